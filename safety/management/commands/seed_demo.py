"""Demo data: one school, a user for each role, a dozen families with their parents or carers, and
visits in every state around the current time.

Safe to run again (`make run` runs it at every start), and it never deletes or changes anything a
person made or changed:
- the school, users, staff profiles and families are only created when missing; children and carers
  only with a new family (or, for a family from an older demo, if it never had any); the office
  hours and the alert roster (with an out-of-hours contact) only together with the school's
  out-of-hours contact's account, so hours or tiers someone removed stay removed;
- every visit it makes is marked (its events carry {"demo": true}); at the next run a marked visit
  that nobody has touched (no change by a person in its history, no event, report, incident, contact
  step or concern of theirs, its checklist as the demo left it) is replaced by a fresh one around the
  new "now". A visit a person planned, or a demo visit anyone changed, stays exactly as it is.
Demo only: the password is published in the README.
"""

import datetime

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.management.base import BaseCommand
from django.db import router, transaction
from django.db.models.deletion import Collector, ProtectedError, RestrictedError
from django.utils import timezone

from accounts import roles
from accounts.models import (
    OfficeHours,
    RosterTier,
    School,
    SchoolMembership,
    StaffProfile,
    TierKind,
    Trust,
    TrustMembership,
)
from notifications.models import Notification
from safety.escalations import refresh_next_check
from safety.models import AlarmOutcome, Escalation, EscalationReason
from visits.assessments import ensure_risk_assessment
from visits.events import record_event
from visits.localtime import combine_local
from visits.models import (
    Carer,
    Child,
    EventKind,
    Family,
    OfferStatus,
    Outcome,
    Purpose,
    RecordedHow,
    Round,
    SafetyChecklist,
    Visit,
    VisitEvent,
    VisitReport,
    VisitStaff,
    VisitState,
)
from visits.services import gates_for

DEMO_PASSWORD = "homevisits-demo"
SCHOOL_NAME = "Oakfield Primary School (demo)"

TRAINED = datetime.date(2025, 9, 3)
# The office is on duty Monday to Friday, 08:00 to 16:00 (local time); outside those hours the
# out-of-hours contact takes its place on the roster (accounts.roster, R-CONTACT-STEPS).
OFFICE_OPENS, OFFICE_CLOSES = datetime.time(8), datetime.time(16)
OUT_OF_HOURS_CONTACT = "deputy"
USERS = [
    # username, first, last, role, job title, mobile, vehicle (make, model, reg, colour), training date
    ("head", "Helen", "Hughes", roles.HEAD, "Head of school", "07700 900001", None, TRAINED),
    ("dsl", "David", "Sharma", roles.DSL, "Designated safeguarding lead", "07700 900002", None, TRAINED),
    ("office", "Olivia", "Price", roles.OFFICE, "Office manager", "07700 900003", None, TRAINED),
    # The out-of-hours contact: alerts that would go to the office after it closes go to her instead.
    ("deputy", "Priya", "Nair", roles.DSL, "Deputy head, deputy DSL", "07700 900005", None, TRAINED),
    ("admin", "Adam", "Ellis", roles.SCHOOL_ADMIN, "School business manager", "07700 900004", None, TRAINED),
    ("teacher", "Tom", "Baker", roles.VISITING_STAFF, "Reception class teacher", "07700 900101",
     ("Ford", "Fiesta", "AB12 CDE", "Blue"), TRAINED),
    ("ta", "Asha", "Patel", roles.VISITING_STAFF, "Teaching assistant", "07700 900102",
     ("Toyota", "Yaris", "CD63 FGH", "Silver"), TRAINED),
    ("senco", "Sam", "O'Neill", roles.VISITING_STAFF, "SENCO", "07700 900103", ("Kia", "Picanto", "EF19 JKL", "Red"),
     TRAINED),
    ("fsw", "Fatima", "Begum", roles.VISITING_STAFF, "Family support worker", "07700 900104", None, TRAINED),
    ("teacher2", "Rhys", "Morgan", roles.VISITING_STAFF, "Year 1 teacher", "07700 900105",
     ("Vauxhall", "Corsa", "GH21 MNP", "White"), TRAINED),
    # New this term: no mobile or training date yet (the school admin's home page lists what is missing).
    ("supply", "Sophie", "Clarke", roles.VISITING_STAFF, "Supply teaching assistant", "", None, None),
]

FAMILIES = [
    # name, address, postcode, phone, children [(first, last, dob, class)], animals,
    # carers [(name, relationship, phone, parental responsibility)]
    ("Khan family", "14 Elm Road", "NN4 9BX", "07700 900201", [("Aisha", "Khan", "2021-03-14", "Reception")], "",
     [("Sara Khan", "Mother", "07700 900201", True), ("Imran Khan", "Father", "07700 900221", True)]),
    ("Smith family", "3 Church Lane", "NN4 8AA", "07700 900202", [("Jack", "Smith", "2021-06-02", "Reception"),
                                                                   ("Lily", "Smith", "2019-01-20", "Year 2")], "",
     [("Claire Smith", "Mother", "07700 900202", True)]),
    ("Nowak family", "Flat 2, 77 High Street", "NN1 2QE", "07700 900203",
     [("Zofia", "Nowak", "2020-11-30", "Year 1")], "",
     [("Magda Nowak", "Mother", "07700 900203", True), ("Piotr Nowak", "Father", "", True)]),
    ("Okafor family", "21 Mill Close", "NN3 6TT", "07700 900204", [("Chidi", "Okafor", "2021-04-08", "Reception")],
     "Large dog (Staffordshire bull terrier)", [("Grace Okafor", "Mother", "07700 900204", True)]),
    ("Jones family", "9 Park View", "NN5 7AB", "07700 900205", [("Ella", "Jones", "2018-09-12", "Year 3")], "",
     [("Margaret Jones", "Grandmother (kinship carer)", "07700 900205", True)]),
    ("Ahmed family", "45 Queen Street", "NN1 3HX", "07700 900206", [("Yusuf", "Ahmed", "2021-02-17", "Reception")], "",
     [("Amina Ahmed", "Mother", "07700 900206", True), ("Omar Ahmed", "Father", "07700 900226", True)]),
    ("Murphy family", "2 Rose Cottages", "NN6 0LP", "07700 900207", [("Niamh", "Murphy", "2020-07-05", "Year 1")], "",
     [("Siobhan Murphy", "Mother", "07700 900207", True), ("Dan Reilly", "Mother's partner", "", False)]),
    ("Williams family", "118 London Road", "NN4 6DD", "07700 900208",
     [("Noah", "Williams", "2021-08-21", "Reception")], "", [("Kayla Williams", "Mother", "07700 900208", True)]),
    ("Li family", "5 Orchard Way", "NN2 7HF", "07700 900209", [("Mei", "Li", "2019-05-03", "Year 2")], "",
     [("Wei Li", "Father", "07700 900209", True), ("Hui Li", "Mother", "07700 900229", True)]),
    ("Brown family", "33 Station Road", "NN7 1RE", "07700 900210", [("Oscar", "Brown", "2021-01-11", "Reception")], "",
     [("Jade Brown", "Foster carer", "07700 900210", False)]),
    ("Popescu family", "10 Canal Street", "NN1 1QS", "07700 900211",
     [("Andrei", "Popescu", "2018-12-24", "Year 3")], "", [("Elena Popescu", "Mother", "07700 900211", True)]),
    ("Evans family", "7 Meadow Rise", "NN5 5SW", "07700 900212", [("Grace", "Evans", "2021-05-29", "Reception")], "",
     [("Rhiannon Evans", "Mother", "07700 900212", True), ("Gareth Evans", "Father", "07700 900232", True)]),
]

# A trust above the demo school and a second, smaller school: its safeguarding lead sees both boards at once.
TRUST_NAME, TRUST_SLUG = "Nene Valley Learning Trust (demo)", "nene-valley-demo"
SECOND_SCHOOL_NAME = "Brookside Primary School (demo)"
SECOND_USERS = [
    ("head2", "Hannah", "Cole", roles.HEAD, "Head of school", "07700 900301", None, TRAINED),
    ("office2", "Owen", "Reid", roles.OFFICE, "Office manager", "07700 900303", None, TRAINED),
    ("teacher3", "Ben", "Carter", roles.VISITING_STAFF, "Reception class teacher", "07700 900311",
     ("Honda", "Jazz", "JK18 RST", "Grey"), TRAINED),
    ("ta2", "Maya", "Green", roles.VISITING_STAFF, "Teaching assistant", "07700 900312", None, TRAINED),
]
# The trust's people: no school, so no staff profile; TrustMembership says which trust.
TRUST_USERS = [
    ("trustlead", "Tara", "Lewis", roles.TRUST_SAFEGUARDING_LEAD),
    ("trustadmin", "Theo", "Grant", roles.TRUST_ADMIN),
]
# A family support worker of the trust: her home school is the demo school, and she also works for the
# second school (SchoolMembership), choosing in the header which one she is working for.
ACROSS_USERS = [
    ("trustfsw", "Jo", "Walsh", roles.VISITING_STAFF, "Family support worker (both schools)", "07700 900501",
     None, TRAINED),
]
SECOND_FAMILIES = [
    ("Patel family", "8 Brook Street", "NN3 2AB", "07700 900401", [("Ravi", "Patel", "2021-02-10", "Reception")], "",
     [("Nisha Patel", "Mother", "07700 900401", True)]),
    ("Taylor family", "52 Weston Way", "NN3 5CD", "07700 900402", [("Ruby", "Taylor", "2020-10-01", "Year 1")], "",
     [("Kim Taylor", "Mother", "07700 900402", True)]),
    ("Hussain family", "17 Cherry Walk", "NN3 8EF", "07700 900403",
     [("Zain", "Hussain", "2021-06-15", "Reception")], "", [("Sana Hussain", "Mother", "07700 900403", True)]),
]

# Every event the demo writes carries this mark, so the next run can tell its own visits apart.
DEMO = {"demo": True}
# Rows the watchdog writes by itself on a demo visit that is out (no person involved).
SYSTEM_MODELS = (Notification,)
# Who went on a visit: made with it, and changed afterwards only by check-ins, which are events.
PARTS_OF_A_VISIT = (VisitStaff,)


def untouched_by_people(visit) -> bool:
    """Is this demo visit exactly as the demo (and the watchdog, on its own) left it? Anything a
    person did to it, or hung on it, makes it theirs: then it is never deleted or changed."""
    collector = Collector(using=router.db_for_write(Visit))
    try:
        collector.collect([visit])  # everything that deleting it would delete
    except (ProtectedError, RestrictedError):
        return False
    rows = {model: {obj.pk for obj in objs} for model, objs in collector.data.items()}
    for queryset in collector.fast_deletes:
        rows.setdefault(queryset.model, set()).update(queryset.values_list("pk", flat=True))
    # Something of someone's that points at it and would be unlinked (a concern, a visit planned
    # from it). A row that goes with the visit does not count (a level 1 alert raised to level 2).
    for pointing in collector.field_updates.values():
        for item in pointing:
            if not hasattr(item, "exists"):
                return False
            if item.exclude(pk__in=rows.get(item.model, ())).exists():
                return False
    for model, pks in rows.items():
        if not pks:
            continue
        if model is VisitEvent:
            # In Python, not in SQL: a JSON key that is absent is NULL there, and NULL hides rows from exclude().
            for data, actor, on_behalf_of, how in VisitEvent.objects.filter(pk__in=pks).values_list(
                    "data", "actor_id", "on_behalf_of_id", "how"):
                by_the_system = actor is None and on_behalf_of is None and how == RecordedHow.SYSTEM
                if not (data or {}).get("demo") and not by_the_system:
                    return False  # a check-in, acknowledgement, contact step, edit... by a person
        elif model is SafetyChecklist:
            created = visit.events.get(kind=EventKind.CREATED, data__demo=True)
            checklist = SafetyChecklist.objects.get(pk__in=pks)
            made_at = checklist.completed_at.isoformat() if checklist.completed_at else None
            if made_at != created.data.get("checklist_at") or checklist.unanswered():
                return False  # answered (again) by a person
        elif hasattr(model, "history"):
            if model.history.filter(id__in=pks, history_user__isnull=False).exists():
                return False  # changed through the site or the admin by someone signed in
        elif model in SYSTEM_MODELS or model in PARTS_OF_A_VISIT or model._meta.auto_created:
            continue  # the watchdog's notifications; the visit's staff and children links
        else:
            return False  # something the demo never makes: a person made it
    return True


class Command(BaseCommand):
    help = "Create (or refresh) the demo school, users, families and this week's visits."

    @transaction.atomic
    def handle(self, *args, **options):
        now = timezone.now()
        school, _ = School.objects.get_or_create(
            name=SCHOOL_NAME, defaults={"office_phone": "01604 496000", "address": "1 School Lane, NN4 9ZZ"}
        )
        users, new = self._people(school, USERS, "oakfield.example")

        if OUT_OF_HOURS_CONTACT in new:
            self._roster(school, users[OUT_OF_HOURS_CONTACT])

        families = self._families(school, FAMILIES, now)

        demo_visits = Visit.objects.filter(events__kind=EventKind.CREATED, events__data__demo=True).distinct()
        untouched = [visit.pk for visit in demo_visits if untouched_by_people(visit)]
        kept = demo_visits.count() - len(untouched)
        Visit.objects.filter(pk__in=untouched).delete()
        # A round whose visits were all demo visits nobody touched has nothing left on it (R-LUNCH).
        Round.objects.filter(school=school, visits__isnull=True).delete()
        self._visits(school, families, users, now)
        self._trust(school, now)

        self.stdout.write(self.style.SUCCESS(
            f"Demo data ready: {school.name}, {Family.objects.filter(school=school).count()} families, "
            f"{Visit.objects.filter(school=school).count()} visits; {SECOND_SCHOOL_NAME} and {TRUST_NAME}."))
        if kept:
            self.stdout.write(f"Kept {kept} demo visit{'s' if kept != 1 else ''} that someone changed.")
        self.stdout.write(f"Demo logins (password for all: {DEMO_PASSWORD}):")
        for username, first, last, role, *_ in USERS + SECOND_USERS + ACROSS_USERS + TRUST_USERS:
            self.stdout.write(f"  {username:<10} {first} {last} - {role}")

    def _people(self, school, rows, domain):
        """The demo staff of `school`, made when missing (what someone changed on them stays)."""
        users, new = {}, set()
        User = get_user_model()
        for username, first, last, role, job, mobile, car, trained in rows:
            user, created = User.objects.get_or_create(
                username=username, defaults={"first_name": first, "last_name": last,
                                             "email": f"{username}@{domain}",
                                             "is_staff": role == roles.SCHOOL_ADMIN}
            )
            if created:
                new.add(username)
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.set([Group.objects.get(name=role)])
            make, model, reg, colour = car or ("", "", "", "")
            StaffProfile.objects.get_or_create(user=user, defaults=dict(
                school=school, job_title=job, mobile=mobile, vehicle_make=make, vehicle_model=model,
                vehicle_registration=reg, vehicle_colour=colour, training_date=trained))
            users[username] = user
        return users, new

    def _families(self, school, rows, now):
        families = []
        for name, line1, postcode, phone, children, animals, carers in rows:
            family, created = Family.objects.get_or_create(school=school, display_name=name, defaults=dict(
                address_line1=line1, town="Northampton", postcode=postcode, phone=phone,
                offer_status=OfferStatus.ACCEPTED, offer_status_date=timezone.localdate(now) - datetime.timedelta(days=20),
                dangerous_animals=bool(animals), animals_details=animals))
            # Only add what was never there: a child or carer someone removed stays removed.
            if created or not Child.history.filter(family_id=family.pk).exists():
                for first, last, dob, klass in children:
                    Child.objects.create(family=family, first_name=first, last_name=last, date_of_birth=dob,
                                         class_name=klass)
            if created or not Carer.history.filter(family_id=family.pk).exists():
                for carer_name, relationship, carer_phone, responsibility in carers:
                    Carer.objects.create(family=family, name=carer_name, relationship=relationship,
                                         phone=carer_phone, parental_responsibility=responsibility)
            families.append(family)
        return families

    def _trust(self, school, now):
        """The demo trust, its second school (its people, families and today's visits: one on site, one
        on the way back, one waiting for approval) and the trust's lead and admin. The trust is made
        once, and the demo school joins it then: a school someone took out of the trust stays out."""
        second, _ = School.objects.get_or_create(
            name=SECOND_SCHOOL_NAME, defaults={"office_phone": "01604 496100", "address": "2 Brook Street, NN3 2AA"})
        trust, created = Trust.objects.get_or_create(slug=TRUST_SLUG, defaults={
            "name": TRUST_NAME, "late_call_minutes": 15, "office_chase_minutes": 30, "lone_visits_allowed": False})
        if created:
            School.objects.filter(pk__in=[school.pk, second.pk], trust__isnull=True).update(trust=trust)
        users, _ = self._people(second, SECOND_USERS, "brookside.example")
        across, new = self._people(school, ACROSS_USERS, "nenevalley.example")
        school.refresh_from_db(fields=["trust"])
        second.refresh_from_db(fields=["trust"])
        if "trustfsw" in new and school.trust_id is not None and school.trust_id == second.trust_id:
            # Once, with her account: a membership someone took away stays away.
            SchoolMembership.objects.get_or_create(user=across["trustfsw"], school=second)
        users |= across
        families = self._families(second, SECOND_FAMILIES, now)
        make = self._maker(second, users | {"office": users["office2"], "head": users["head2"]})
        minutes = datetime.timedelta(minutes=1)
        make(families[1], VisitState.ON_SITE, now - 30 * minutes, [users["teacher3"], users["ta2"]],
             purpose=Purpose.ATTENDANCE)
        make(families[0], VisitState.LEFT, now - 55 * minutes, [users["head2"], users["office2"]],
             purpose=Purpose.WELFARE, back_after=65)
        make(families[2], VisitState.SUBMITTED, now + datetime.timedelta(days=1), [users["teacher3"], users["trustfsw"]],
             purpose=Purpose.FSW)
        User = get_user_model()
        for username, first, last, role in TRUST_USERS:
            user, made = User.objects.get_or_create(username=username, defaults={
                "first_name": first, "last_name": last, "email": f"{username}@nenevalley.example"})
            if made:
                user.set_password(DEMO_PASSWORD)
                user.save()
                user.groups.set([Group.objects.get(name=role)])
                TrustMembership.objects.get_or_create(user=user, defaults={"trust": trust})

    def _roster(self, school, contact):
        """Office hours and the alert roster, added once, with the out-of-hours contact (a school that
        set its own keeps them): the office on duty, the head, the DSL, then the deputy; out of hours the
        deputy takes the office's place."""
        if not school.office_hours.exists():
            OfficeHours.objects.bulk_create(OfficeHours(school=school, weekday=day, opens=OFFICE_OPENS,
                                                        closes=OFFICE_CLOSES) for day in range(5))
        if not RosterTier.objects.filter(school=school).exists():
            for position, kind in enumerate((TierKind.OFFICE, TierKind.HEAD, TierKind.DSL, TierKind.OUT_OF_HOURS), 1):
                tier = RosterTier.objects.create(school=school, position=position, kind=kind)
                if kind == TierKind.OUT_OF_HOURS:
                    tier.people.set([contact])

    def _maker(self, school, u):
        """`make(family, state, start, staff, ...)`: one demo visit of `school` in `state` (u: the
        school's demo people by username; its "office" and "head" are the office contact and approver)."""
        def make(family, state, start, staff, *, purpose=Purpose.INDUCTION, duration=45, back_after=75,
                 all_ok_after=None, **extra):
            visit = Visit.objects.create(
                school=school, family=family, purpose=purpose, planned_start=start, duration_minutes=duration,
                expected_return=start + datetime.timedelta(minutes=back_after), address=family.address,
                contact_phone=family.phone, lead=staff[0], transport="car", vehicle_owner=staff[0],
                office_contact=u["office"], code_word="bluebell", info_gathered=True, created_by=staff[0],
                letter_sent_on=timezone.localdate(start) - datetime.timedelta(days=7), **extra)
            visit.staff.set(staff)
            visit.children.set(family.children.all())
            ra = ensure_risk_assessment(visit)
            # Demo visits stand alone: a link to another demo visit's assessment would tie them together.
            ra.copied_from = None
            if family.dangerous_animals:
                ra.animals_separate_room = True
            if state != VisitState.DRAFT:
                ra.reviewed_by, ra.reviewed_at = staff[0], start - datetime.timedelta(days=2)
                ra.safeguarding_team_aware = True
                SafetyChecklist.objects.create(visit=visit, completed_by=staff[0],
                                               completed_at=start - datetime.timedelta(days=2),
                                               **{f: True for f, _ in SafetyChecklist.QUESTIONS})
            ra.save()
            checklist = getattr(visit, "checklist", None)
            record_event(visit, EventKind.CREATED, staff[0], at=start - datetime.timedelta(days=3),
                         data=DEMO | {"checklist_at": checklist.completed_at.isoformat() if checklist else None})
            if state == VisitState.DRAFT:
                return visit
            visit.gates_required = gates_for(visit, staff)
            record_event(visit, EventKind.SUBMITTED, staff[0], at=start - datetime.timedelta(days=2), data=DEMO)
            if state == VisitState.SUBMITTED:
                visit.state = state
                visit.save()
                return visit
            decided = start - datetime.timedelta(days=1)
            visit.decided_by, visit.decided_at = u["head"], decided
            if state == VisitState.REFUSED:
                visit.state, visit.decision_reason = state, "Please plan this with the FSW present."
                record_event(visit, EventKind.REFUSED, u["head"], at=decided, note=visit.decision_reason, data=DEMO)
                visit.save()
                return visit
            visit.gate_overrides = {g: "Agreed with the head in the planning meeting." for g in visit.gates_required}
            record_event(visit, EventKind.APPROVED, u["head"], at=decided, data=DEMO)
            if state == VisitState.CANCELLED:
                visit.state, visit.cancel_reason = state, "Family asked to rearrange: child unwell."
                record_event(visit, EventKind.CANCELLED, staff[0], at=decided, note=visit.cancel_reason, data=DEMO)
                visit.save()
                return visit
            visit.state = VisitState.APPROVED
            if state == VisitState.APPROVED:
                visit.save()
                return visit
            # Out or back: sign-out at the start.
            visit.state, visit.departed_at, visit.last_contact_at, visit.watch_round = (
                VisitState.DEPARTED, start, start, 1)
            record_event(visit, EventKind.DEPARTED, staff[0], at=start, data=DEMO)
            if state in (VisitState.ON_SITE, VisitState.LEFT, VisitState.RETURNED):
                visit.state = VisitState.ON_SITE
                record_event(visit, EventKind.ARRIVED, staff[0], at=start + datetime.timedelta(minutes=10), data=DEMO)
            if state in (VisitState.LEFT, VisitState.RETURNED):
                visit.state = VisitState.LEFT
                record_event(visit, EventKind.LEFT, staff[0], at=start + datetime.timedelta(minutes=55), data=DEMO)
            if state == VisitState.RETURNED:
                visit.state, visit.returned_at = VisitState.RETURNED, start + datetime.timedelta(minutes=70)
                record_event(visit, EventKind.RETURNED, staff[0], at=visit.returned_at, how=RecordedHow.SELF, data=DEMO)
            last_word = start
            if all_ok_after is not None:
                # Both said "All OK" then (R-CHECKIN: the periodic check-in their visit's risk asks for).
                last_word = start + datetime.timedelta(minutes=all_ok_after)
                for person in staff:
                    record_event(visit, EventKind.OK, person, at=last_word, data=DEMO)
            visit.heard_from_all_at = visit.last_contact_at = last_word
            refresh_next_check(visit)
            visit.save()
            # Where each of them is (R-RETURN): they left together and, if back, came back together.
            visit.staff_links.update(last_word_at=last_word, returned_at=visit.returned_at)
            return visit

        return make

    def _visits(self, school, families, u, now):
        def at(days=0, hours=0, minutes=0):
            return now + datetime.timedelta(days=days, hours=hours, minutes=minutes)

        make = self._maker(school, u)
        f = families
        # Back already today.
        make(f[0], VisitState.RETURNED, at(hours=-4), [u["teacher"], u["ta"]])
        # Out now, on time.
        make(f[1], VisitState.ON_SITE, at(minutes=-25), [u["senco"], u["teacher2"]], purpose=Purpose.ATTENDANCE)
        # Out now, heading back.
        make(f[2], VisitState.LEFT, at(minutes=-60), [u["fsw"], u["dsl"]], purpose=Purpose.FSW, back_after=80)
        # Out and already 20 minutes overdue: the running beat escalates it within a tick (R-LATE-15). The
        # family's dog makes it a medium risk, checked in every 30 minutes: their last "All OK" was an hour in,
        # so the next check-in would have come after the expected return, and the late return is the alarm.
        make(f[3], VisitState.DEPARTED, at(minutes=-95), [u["teacher2"], u["senco"]], purpose=Purpose.WELFARE,
             all_ok_after=60)
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
        self._round(school, families, u, now, make)
        self._history(school, families, u, now, make)

    def _round(self, school, families, u, now, make):
        """A day's round on the first school day from the day after tomorrow (R-LUNCH), approved: the
        teacher and the TA make two visits before lunch and one after, back at school at 12:30 and 15:30."""
        day = timezone.localdate(now) + datetime.timedelta(days=2)
        while day.weekday() >= 5:  # a round is a school day's: never a Saturday or a Sunday
            day += datetime.timedelta(days=1)
        teacher = u["teacher"]
        day_round = Round.objects.create(school=school, lead=teacher, date=day, created_by=teacher,
                                         lunch_return=combine_local(day, datetime.time(12, 30)),
                                         end_return=combine_local(day, datetime.time(15, 30)))
        for order, (family, hour, minute) in enumerate(((families[1], 9, 30), (families[3], 10, 45),
                                                        (families[6], 13, 30)), start=1):
            start = combine_local(day, datetime.time(hour, minute))
            back = day_round.lunch_return if order < 3 else day_round.end_return
            visit = make(family, VisitState.APPROVED, start, [teacher, u["ta"]],
                         back_after=int((back - start).total_seconds() // 60))
            Visit.objects.filter(pk=visit.pk).update(day_round=day_round, round_order=order)

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
                    # Back 25 minutes late: the office was flagged, then staff walked in. The office
                    # said afterwards what the older alarms were; the latest waits on the board (R-REVIEW).
                    late = visit.expected_return + datetime.timedelta(minutes=15)
                    back = late + datetime.timedelta(minutes=10)
                    said = {9: AlarmOutcome.FORGOT, 6: AlarmOutcome.LATE_SAFE}.get(week, "")
                    Escalation.objects.create(visit=visit, round=1, level=1, reason=EscalationReason.LATE_RETURN,
                                              anchor=visit.expected_return, created_at=late, last_alert_at=late,
                                              resolved_at=back, resolution_note="Back at school", outcome=said,
                                              outcome_by=u["office"] if said else None,
                                              outcome_at=back + datetime.timedelta(hours=1) if said else None)
                    Visit.objects.filter(pk=visit.pk).update(
                        returned_at=visit.expected_return + datetime.timedelta(minutes=25))
                VisitReport.objects.create(visit=visit, outcome=Outcome.COMPLETED, who_was_seen="Parent and child",
                                           summary="Talked through routines and how school can help.",
                                           filed_by=visit.lead, filed_at=visit.returned_at)
