"""Demo data: one school, a user for each role, a dozen families, and visits in every state.

Idempotent: users, school and families are found or created by name; the demo families' visits
are rebuilt around the current time on every run, so "today" is always today and the counts stay
the same however often it runs. Demo only: the password is published in the README.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import transaction
from django.utils import timezone

from accounts import roles
from accounts.models import School, StaffProfile
from safety.models import Escalation, EscalationReason, SafetyChecklist
from safety.services import ensure_risk_assessment
from safety.watchdog import refresh_next_check
from visits.models import (
    Child,
    EventKind,
    Family,
    OfferStatus,
    Outcome,
    Purpose,
    RecordedHow,
    Visit,
    VisitReport,
    VisitState,
)
from visits.services import gates_for, record_event

DEMO_PASSWORD = "homevisits-demo"
SCHOOL_NAME = "Oakfield Primary School (demo)"

USERS = [
    # username, first, last, role, job title, mobile, vehicle (make, model, reg, colour)
    ("head", "Helen", "Hughes", roles.HEAD, "Head of school", "07700 900001", None),
    ("dsl", "David", "Sharma", roles.DSL, "Designated safeguarding lead", "07700 900002", None),
    ("office", "Olivia", "Price", roles.OFFICE, "Office manager", "07700 900003", None),
    ("admin", "Adam", "Ellis", roles.SCHOOL_ADMIN, "School business manager", "07700 900004", None),
    ("teacher", "Tom", "Baker", roles.VISITING_STAFF, "Reception class teacher", "07700 900101",
     ("Ford", "Fiesta", "AB12 CDE", "Blue")),
    ("ta", "Asha", "Patel", roles.VISITING_STAFF, "Teaching assistant", "07700 900102",
     ("Toyota", "Yaris", "CD63 FGH", "Silver")),
    ("senco", "Sam", "O'Neill", roles.VISITING_STAFF, "SENCO", "07700 900103", ("Kia", "Picanto", "EF19 JKL", "Red")),
    ("fsw", "Fatima", "Begum", roles.VISITING_STAFF, "Family support worker", "07700 900104", None),
    ("teacher2", "Rhys", "Morgan", roles.VISITING_STAFF, "Year 1 teacher", "07700 900105",
     ("Vauxhall", "Corsa", "GH21 MNP", "White")),
]

FAMILIES = [
    # name, address, postcode, phone, children [(first, last, dob, class)], animals
    ("Khan family", "14 Elm Road", "NN4 9BX", "07700 900201", [("Aisha", "Khan", "2021-03-14", "Reception")], ""),
    ("Smith family", "3 Church Lane", "NN4 8AA", "07700 900202", [("Jack", "Smith", "2021-06-02", "Reception"),
                                                                   ("Lily", "Smith", "2019-01-20", "Year 2")], ""),
    ("Nowak family", "Flat 2, 77 High Street", "NN1 2QE", "07700 900203",
     [("Zofia", "Nowak", "2020-11-30", "Year 1")], ""),
    ("Okafor family", "21 Mill Close", "NN3 6TT", "07700 900204", [("Chidi", "Okafor", "2021-04-08", "Reception")],
     "Large dog (Staffordshire bull terrier)"),
    ("Jones family", "9 Park View", "NN5 7AB", "07700 900205", [("Ella", "Jones", "2018-09-12", "Year 3")], ""),
    ("Ahmed family", "45 Queen Street", "NN1 3HX", "07700 900206", [("Yusuf", "Ahmed", "2021-02-17", "Reception")], ""),
    ("Murphy family", "2 Rose Cottages", "NN6 0LP", "07700 900207", [("Niamh", "Murphy", "2020-07-05", "Year 1")], ""),
    ("Williams family", "118 London Road", "NN4 6DD", "07700 900208",
     [("Noah", "Williams", "2021-08-21", "Reception")], ""),
    ("Li family", "5 Orchard Way", "NN2 7HF", "07700 900209", [("Mei", "Li", "2019-05-03", "Year 2")], ""),
    ("Brown family", "33 Station Road", "NN7 1RE", "07700 900210", [("Oscar", "Brown", "2021-01-11", "Reception")], ""),
    ("Popescu family", "10 Canal Street", "NN1 1QS", "07700 900211",
     [("Andrei", "Popescu", "2018-12-24", "Year 3")], ""),
    ("Evans family", "7 Meadow Rise", "NN5 5SW", "07700 900212", [("Grace", "Evans", "2021-05-29", "Reception")], ""),
]


class Command(BaseCommand):
    help = "Create (or refresh) the demo school, users, families and this week's visits."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        school, _ = School.objects.get_or_create(
            name=SCHOOL_NAME, defaults={"office_phone": "01604 496000", "address": "1 School Lane, NN4 9ZZ"}
        )
        users = {}
        User = get_user_model()
        for username, first, last, role, job, mobile, car in USERS:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last,
                                             "email": f"{username}@oakfield.example"}
            )
            if created:
                user.set_password(DEMO_PASSWORD)
            user.is_staff = role == roles.SCHOOL_ADMIN
            user.save()
            user.groups.set([Group.objects.get(name=role)])
            make, model, reg, colour = car or ("", "", "", "")
            StaffProfile.objects.update_or_create(user=user, defaults=dict(
                school=school, job_title=job, mobile=mobile, vehicle_make=make, vehicle_model=model,
                vehicle_registration=reg, vehicle_colour=colour,
                training_date=datetime.date(2025, 9, 3)))
            users[username] = user

        families = []
        for name, line1, postcode, phone, children, animals in FAMILIES:
            family, _ = Family.objects.get_or_create(school=school, display_name=name, defaults=dict(
                address_line1=line1, town="Northampton", postcode=postcode, phone=phone,
                offer_status=OfferStatus.ACCEPTED, offer_status_date=timezone.localdate(now) - datetime.timedelta(days=20),
                dangerous_animals=bool(animals), animals_details=animals))
            for first, last, dob, klass in children:
                Child.objects.get_or_create(family=family, first_name=first, last_name=last,
                                            defaults={"date_of_birth": dob, "class_name": klass})
            families.append(family)

        Visit.objects.filter(family__in=families).delete()
        self._visits(school, families, users, now)

        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {school.name}, {Family.objects.filter(school=school).count()} families, "
            f"{Visit.objects.filter(school=school).count()} visits."))
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, role, *_ in USERS:
            self.stdout.write(f"  {username:<9} {first} {last} - {role}")

    def _visits(self, school, families, u, now):
        def at(days=0, hours=0, minutes=0):
            return now + datetime.timedelta(days=days, hours=hours, minutes=minutes)

        def make(family, state, start, staff, *, purpose=Purpose.INDUCTION, duration=45, back_after=75, **extra):
            visit = Visit.objects.create(
                school=school, family=family, purpose=purpose, planned_start=start, duration_minutes=duration,
                expected_return=start + datetime.timedelta(minutes=back_after), address=family.address,
                contact_phone=family.phone, lead=staff[0], transport="car", vehicle_owner=staff[0],
                office_contact=u["office"], code_word="bluebell", info_gathered=True, created_by=staff[0],
                letter_sent_on=timezone.localdate(start) - datetime.timedelta(days=7), **extra)
            visit.staff.set(staff)
            visit.children.set(family.children.all())
            ra = ensure_risk_assessment(visit)
            if family.dangerous_animals:
                ra.animals_separate_room = True
            if state != VisitState.DRAFT:
                ra.reviewed_by, ra.reviewed_at = staff[0], start - datetime.timedelta(days=2)
                ra.safeguarding_team_aware = True
                SafetyChecklist.objects.create(visit=visit, completed_by=staff[0],
                                               completed_at=start - datetime.timedelta(days=2),
                                               **{f: True for f, _ in SafetyChecklist.QUESTIONS})
            ra.save()
            record_event(visit, EventKind.CREATED, staff[0], at=start - datetime.timedelta(days=3))
            if state == VisitState.DRAFT:
                return visit
            visit.gates_required = gates_for(visit, staff)
            record_event(visit, EventKind.SUBMITTED, staff[0], at=start - datetime.timedelta(days=2))
            if state == VisitState.SUBMITTED:
                visit.state = state
                visit.save()
                return visit
            decided = start - datetime.timedelta(days=1)
            visit.decided_by, visit.decided_at = u["head"], decided
            if state == VisitState.REFUSED:
                visit.state, visit.decision_reason = state, "Please plan this with the FSW present."
                record_event(visit, EventKind.REFUSED, u["head"], at=decided, note=visit.decision_reason)
                visit.save()
                return visit
            visit.gate_overrides = {g: "Agreed with the head in the planning meeting." for g in visit.gates_required}
            record_event(visit, EventKind.APPROVED, u["head"], at=decided)
            if state == VisitState.CANCELLED:
                visit.state, visit.cancel_reason = state, "Family asked to rearrange: child unwell."
                record_event(visit, EventKind.CANCELLED, staff[0], at=decided, note=visit.cancel_reason)
                visit.save()
                return visit
            visit.state = VisitState.APPROVED
            if state == VisitState.APPROVED:
                visit.save()
                return visit
            # Out or back: sign-out at the start.
            visit.state, visit.departed_at, visit.last_contact_at, visit.watch_round = (
                VisitState.DEPARTED, start, start, 1)
            record_event(visit, EventKind.DEPARTED, staff[0], at=start)
            if state in (VisitState.ON_SITE, VisitState.LEFT, VisitState.RETURNED):
                visit.state = VisitState.ON_SITE
                record_event(visit, EventKind.ARRIVED, staff[0], at=start + datetime.timedelta(minutes=10))
            if state in (VisitState.LEFT, VisitState.RETURNED):
                visit.state = VisitState.LEFT
                record_event(visit, EventKind.LEFT, staff[0], at=start + datetime.timedelta(minutes=55))
            if state == VisitState.RETURNED:
                visit.state, visit.returned_at = VisitState.RETURNED, start + datetime.timedelta(minutes=70)
                record_event(visit, EventKind.RETURNED, staff[0], at=visit.returned_at, how=RecordedHow.SELF)
            visit.heard_from_all_at = start
            refresh_next_check(visit)
            visit.save()
            # Where each of them is (R-RETURN): they left together and, if back, came back together.
            visit.staff_links.update(last_word_at=start, returned_at=visit.returned_at)
            return visit

        f = families
        # Back already today.
        make(f[0], VisitState.RETURNED, at(hours=-4), [u["teacher"], u["ta"]])
        # Out now, on time.
        make(f[1], VisitState.ON_SITE, at(minutes=-25), [u["senco"], u["teacher2"]], purpose=Purpose.ATTENDANCE)
        # Out now, heading back.
        make(f[2], VisitState.LEFT, at(minutes=-60), [u["fsw"], u["dsl"]], purpose=Purpose.FSW, back_after=80)
        # Out and already 20 minutes overdue: the running beat escalates it within a tick (R-LATE-15).
        make(f[3], VisitState.DEPARTED, at(minutes=-95), [u["teacher2"], u["senco"]], purpose=Purpose.WELFARE)
        # Approved for later today: the demo teacher can sign out on it.
        make(f[4], VisitState.APPROVED, at(minutes=30), [u["teacher"], u["ta"]], purpose=Purpose.INDUCTION)
        # Waiting for the head.
        make(f[5], VisitState.SUBMITTED, at(days=1, hours=1), [u["teacher"], u["ta"]])
        make(f[6], VisitState.SUBMITTED, at(days=2), [u["senco"], u["teacher2"]], purpose=Purpose.SUPPORT)
        # Drafts, refused, cancelled, and the rest of the week.
        make(f[7], VisitState.DRAFT, at(days=3), [u["teacher"], u["ta"]])
        make(f[8], VisitState.REFUSED, at(days=2, hours=2), [u["teacher2"], u["ta"]], purpose=Purpose.REFUSING)
        make(f[9], VisitState.CANCELLED, at(days=1, hours=3), [u["teacher"], u["senco"]], purpose=Purpose.MEDICAL)
        make(f[10], VisitState.APPROVED, at(days=4), [u["teacher2"], u["senco"]], purpose=Purpose.ATTENDANCE)
        make(f[11], VisitState.APPROVED, at(days=1, hours=-1), [u["teacher"], u["ta"]])
        self._history(school, families, u, now, make)

    def _history(self, school, families, u, now, make):
        """The last eleven weeks, so the head's chart and the year's figures have something to show:
        two or three visits a week, all reported; some cancelled; now and then a late return."""
        pairs = [[u["teacher"], u["ta"]], [u["senco"], u["teacher2"]], [u["fsw"], u["dsl"]]]
        for week in range(1, 12):
            for n in range(2 + week % 2):
                start = now - datetime.timedelta(weeks=week, days=n, hours=2 + n)
                family = families[(week * 3 + n) % len(families)]
                state = VisitState.CANCELLED if (week + n) % 5 == 0 else VisitState.RETURNED
                visit = make(family, state, start, pairs[(week + n) % 3], purpose=Purpose.SUPPORT)
                if state != VisitState.RETURNED:
                    continue
                if week % 3 == 0 and n == 0:
                    # Back 25 minutes late: the office was flagged, then staff walked in.
                    late = visit.expected_return + datetime.timedelta(minutes=15)
                    Escalation.objects.create(visit=visit, round=1, level=1, reason=EscalationReason.LATE_RETURN,
                                              anchor=visit.expected_return, created_at=late, last_alert_at=late,
                                              resolved_at=late + datetime.timedelta(minutes=10),
                                              resolution_note="Back at school")
                    Visit.objects.filter(pk=visit.pk).update(
                        returned_at=visit.expected_return + datetime.timedelta(minutes=25))
                VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, who_was_seen="Parent and child",
                                           summary="Talked through routines and how school can help.",
                                           filed_by=visit.lead, filed_at=visit.returned_at)
