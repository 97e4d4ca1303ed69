"""The wording and the audience of escalation alerts (R-LATE-15, R-RETURN-30, R-CODEWORD), handed
to the outbox (notifications.outbox). Bodies say who and give a link; nothing more."""


from django.conf import settings
from django.contrib.auth import get_user_model
from django.urls import reverse
from django.utils import timezone

from accounts import roles, roster
from notifications.models import Notification
from notifications.outbox import ALERT_PREFIX, every_channel, in_order, link, queue, school_people
from visits.alerts import staff_names
from visits.watch import watch_of

from . import ladder
from .links import takecharge_url
from .models import Escalation, EscalationLevel, EscalationReason


def _names_out(visit, escalation=None) -> str:
    """Who an alert is about: the staff still out (R-RETURN), since those already back are not
    missing; for a missed periodic check-in, those of them not heard from in time (R-CHECKIN)."""
    links = [out for out in visit.staff_links_with_people() if out.is_out]
    every = watch_of(visit).checkin_every
    if escalation is not None and escalation.reason == EscalationReason.MISSED_CHECKIN and every is not None:
        due = escalation.last_alert_at - every
        silent = [out for out in links if (out.last_word_at or visit.departed_at or due) <= due]
        links = silent or links
    return ", ".join(out.name for out in links) or staff_names(visit)


def tier_people(school, tiers) -> list:
    """The people the roster tiers `tiers` reach: everyone holding a role tier's role, and the people
    named on a tier who still work at the school and hold a role that keeps watch (accounts.roster)."""
    role_names, named = roster.roles_and_names(tiers)
    return school_people(school, *role_names, named=named, named_roles=roster.ROSTER_ROLES)


def alert_tiers(escalation, now) -> tuple:
    """The roster tiers on duty at `now` that the alert has reached (accounts.roster, safety.ladder):
    after nobody took charge at the last tier, every tier of the roster, out of hours or not."""
    school = escalation.visit.school
    if escalation.nobody_took_charge:
        return roster.tiers(school)
    return ladder.on_duty(escalation.visit, now)[:max(escalation.tiers_reached, 1)]


def alert_audience(escalation, now, people=None) -> list:
    """Who an escalation's alert goes to at `now`: the people of the tiers it has reached (level 1 the
    office on duty, R-LATE-15; level 2 up to the head of school, R-RETURN-30; level 3 up to the DSL,
    R-CODEWORD), never anyone still out on the visit. `people`: those tiers' people already read."""
    if people is None:
        people = tier_people(escalation.visit.school, alert_tiers(escalation, now))
    out = out_on(escalation.visit)
    return [person for person in people if person.pk not in out]


def _alert_words(escalation, alert_number: int, repeat: bool = True) -> tuple[str, str, str]:
    """The subject, body and dedupe key of one alert of an escalation: the subject says who and since
    when, the body what to do (a text message or a call reads both, one after the other). `repeat`:
    said as a repeat (REPEAT 2) to whoever had it before; someone it has only now reached reads it as new."""
    visit = escalation.visit
    names = _names_out(visit, escalation)
    due = timezone.localtime(escalation.anchor).strftime("%H:%M") if escalation.anchor else "?"
    if escalation.level >= EscalationLevel.EMERGENCY:
        subject = f"EMERGENCY: {names} need help now"
        body = f"{escalation.get_reason_display()}. Call the police (999) and follow the emergency steps."
    elif escalation.level == EscalationLevel.CHASE:
        subject = f"Overdue: {names} not back (due {due})"
        body = "No word from them since. Contact them now."
    else:
        subject = f"Late: {names} should have called in (due {due})"
        body = "No word from them yet. Please check."
    if alert_number > 1 and repeat:
        subject = f"REPEAT {alert_number}: {subject}"
    if escalation.nobody_took_charge:
        # R-CONTACT-STEPS step 4: the whole roster has had it and nobody took charge.
        subject = f"Nobody has taken charge: call the police now. {subject}"
        body = f"Nobody has taken charge of this alert: call the police (999) now. {body}"
    return subject, body, f"{ALERT_PREFIX}{escalation.pk}:{alert_number}"


def escalation_messages(escalation, alert_number: int, people) -> list[dict]:
    """The messages for one alert of an escalation to `people`: each person on their first channel,
    with their own take-charge link (safety.takecharge)."""
    told = _told_before(escalation, alert_number)
    # Each person on their channels in order (push, SMS, call, email), the next one when the last is
    # not confirmed delivered in time (notifications.outbox.fall_back); a call's "press 1" takes charge.
    messages = []
    for person in people:
        subject, body, key = _alert_words(escalation, alert_number, repeat=person.pk in told)
        own = f"{body} Take charge: {takecharge_url(escalation, person)}"
        messages += in_order(key, [person], subject, own, escalation.level, visit=escalation.visit,
                             escalation=escalation)
    return messages


def _told_before(escalation, alert_number: int) -> set[int]:
    """Who had an earlier alert of this escalation (or of its lower levels): to them the next is a repeat."""
    return {person.pk for person in alerted_people(escalation)} if alert_number > 1 else set()


def nobody_in_charge_messages(escalation, alert_number: int, people) -> list[dict]:
    """Nobody took charge at the last tier of the roster (R-CONTACT-STEPS step 4): the alert, saying
    so, to everyone in the roster on every channel at once, each with their own take-charge link."""
    told = _told_before(escalation, alert_number)
    messages = []
    for person in people:
        subject, body, key = _alert_words(escalation, alert_number, repeat=person.pk in told)
        own = f"{body} Take charge: {takecharge_url(escalation, person)}"
        messages += every_channel(key, [person], subject, own, visit=escalation.visit, escalation=escalation,
                                  level=None)  # already on every channel: nothing to move on to
    return messages


def unreached_people(escalation, now) -> list:
    """Who hears that an alert reached nobody: the next people up on the roster (level 1's with the
    head of school, with the default roster); at the top, the whole roster and the school admin, who
    can put a wrong number right. The alert has already been moved on (mark_unreached)."""
    school = escalation.visit.school
    tiers = alert_tiers(escalation, now)
    people = tier_people(school, tiers)
    if escalation.tiers_reached > len(ladder.on_duty(escalation.visit, now)):
        known = {p.pk for p in people}
        for person in tier_people(school, roster.tiers(school)) + school_people(school, roles.SCHOOL_ADMIN):
            if person.pk not in known:
                known.add(person.pk)
                people.append(person)
    return alert_audience(escalation, now, people)


def unreached_messages(escalation, people) -> list[dict]:
    """The alert that an escalation's alerts reached nobody: every channel of each person at once,
    since waiting on one channel after another has already failed."""
    visit = escalation.visit
    names = _names_out(visit, escalation)
    subject = f"NOT REACHED: nobody has the alert about {names}"
    body = (f"The level {escalation.level} alert about {names} reached nobody: every "
            f"message failed or there was nobody to send it to. Ring the school and the people on duty "
            f"yourself, and check their numbers: {link(visit)}")
    return every_channel(f"unreached:{escalation.pk}", people, subject, body, visit=visit, escalation=escalation,
                         level=None)  # already on every channel: nothing to move on to


def out_on(visit) -> set[int]:
    """The people still out on the visit: never sent its alerts, nor taking charge of them (R-CODEWORD:
    the phone of someone in danger shows nothing, and nobody holding it can stop the alert)."""
    return {staff.user_id for staff in visit.staff_links_with_people() if staff.is_out}


def _audience(visit, role_names) -> list:
    out = out_on(visit)
    return [person for person in school_people(visit.school, *role_names) if person.pk not in out]


def notify_escalation(escalation, alert_number: int, now) -> None:
    people = alert_audience(escalation, now)
    if escalation.nobody_took_charge:
        queue(nobody_in_charge_messages(escalation, alert_number, people), now)
    else:
        queue(escalation_messages(escalation, alert_number, people), now)


def taken_messages(escalation, by, now, people) -> list[dict]:
    """"Olivia Price is dealing with ... (11:47)": to everyone else the alert went to, once per
    acknowledgement, on each one's first channel (no fallback: it asks nothing of them)."""
    who = by.get_full_name() or by.get_username()
    names = _names_out(escalation.visit, escalation)
    subject = f"{who} is dealing with the alert about {names} ({timezone.localtime(now).strftime('%H:%M')})"
    body = f"{subject}. No action needed unless they ask you. Details: {link(escalation.visit)}"
    key = f"taken:{escalation.pk}:{escalation.alert_count}"
    messages = in_order(key, people, subject, body, escalation.level, visit=escalation.visit, escalation=escalation)
    return [{**message, "level": None} for message in messages]  # told once, on their first channel


def alerted_people(escalation, but=None) -> list:
    """Everyone an escalation's alerts went to (its lower levels' too), but `but`."""
    User = get_user_model()
    chain, lower = [escalation.pk], [escalation.pk]
    for _ in range(len(EscalationLevel)):  # at most one lower level per level
        lower = list(Escalation.objects.filter(raised_to_id__in=lower).values_list("pk", flat=True))
        if not lower:
            break
        chain += lower
    ids = set(Notification.objects.filter(escalation_id__in=chain, dedupe_key__startswith=ALERT_PREFIX)
              .values_list("recipient_id", flat=True))
    ids.discard(getattr(but, "pk", None))
    return list(User.objects.filter(pk__in=ids, is_active=True).select_related("profile").order_by("pk"))


def notify_taken(escalation, by, now) -> None:
    queue(taken_messages(escalation, by, now, alerted_people(escalation, but=by)), now)


def all_clear_messages(escalation, by, now, what: str, people) -> list[dict]:
    """"All clear (11:52): Tom Baker — everyone is back": to everyone the alert reached, once, on each
    one's first channel, so nobody goes on ringing a colleague who is safe."""
    visit = escalation.visit
    subject = f"All clear ({timezone.localtime(now).strftime('%H:%M')}): {staff_names(visit)} — {what}"
    body = f"{subject}. No action needed. Details: {link(visit)}"
    messages = in_order(f"clear:{escalation.pk}", people, subject, body, escalation.level, visit=visit,
                        escalation=escalation)
    return [{**message, "level": None} for message in messages]


def notify_all_clear(escalation, by, now, what: str) -> None:
    queue(all_clear_messages(escalation, by, now, what, alerted_people(escalation, but=by)), now)


def reminder_audience(escalation) -> list:
    """Who is reminded that nobody has recorded a contact step: the person in charge; from the second
    reminder the head of school too (R-CONTACT-STEPS)."""
    people = [escalation.acknowledged_by] if escalation.acknowledged_by and escalation.acknowledged_by.is_active else []
    if escalation.charge_reminders >= 2:
        people += [p for p in _audience(escalation.visit, (roles.HEAD,)) if p not in people]  # R-CODEWORD
    return people


def reminder_messages(escalation, now, people) -> list[dict]:
    """The reminder to the person in charge (and the head): they took charge at 11:47, no step since."""
    visit = escalation.visit
    names = _names_out(visit, escalation)
    taker = escalation.acknowledged_by
    who = (taker.get_full_name() or taker.get_username()) if taker else "Someone"
    taken = timezone.localtime(escalation.acknowledged_at).strftime("%H:%M")
    subject = f"Reminder: {who} took charge of the alert about {names} at {taken}; no contact step recorded since"
    body = (f"{subject}. Call them now and record each step (the next may be the police): "
            f"{settings.SITE_URL.rstrip('/')}{reverse('safety:escalation', args=[visit.pk])}")
    return in_order(f"remind:{escalation.pk}:{escalation.charge_reminders}", people, subject, body, escalation.level,
                    visit=visit, escalation=escalation)


def police_audience(escalation, now) -> list:
    """Who is prompted to call the police: the person in charge (or, with nobody in charge, everyone
    the alert goes to) and the head of school."""
    visit = escalation.visit
    taker = escalation.acknowledged_by
    people = [taker] if taker is not None and taker.is_active else alert_audience(escalation, now)
    out = out_on(visit)  # R-CODEWORD: never the phone of someone still out on the visit
    return [p for p in people if p.pk not in out] + [p for p in _audience(visit, (roles.HEAD,)) if p not in people]


def police_messages(escalation, now, people) -> list[dict]:
    """R-CONTACT-STEPS step 4: still no word from Tom Baker 60 minutes after they were due, so the
    police are to be called now (999), with the police pack."""
    visit = escalation.visit
    names = _names_out(visit, escalation)
    minutes = visit.school.police_prompt_minutes
    subject = f"Still no word from {names}, {minutes} minutes after they were due: call the police (999) now"
    body = (f"{subject}, with the police pack: "
            f"{settings.SITE_URL.rstrip('/')}{reverse('safety:police-pack', args=[visit.pk])}")
    return in_order(f"police:{escalation.pk}", people, subject, body, EscalationLevel.EMERGENCY, visit=visit,
                    escalation=escalation)


def notify_unreached(escalation, now) -> None:
    people = unreached_people(escalation, now)
    queue(unreached_messages(escalation, people), now)
