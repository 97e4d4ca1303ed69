"""A trust's rules for its schools' policy settings (accounts.models.Trust): for each setting below,
the trust's value is the loosest a school of the trust may have (it may tighten it: fewer minutes,
the stricter yes or no) and, when the trust locks it, the only value it may have.

The rules hold in the stored settings themselves, so every reader (the ladder, the watch, planning,
the check-in page) reads the value in force with no second look-up: a school's save that would break
one is refused beside the field (School.clean, on the settings pages and in the Django admin alike),
and the trust's own save tightens each of its schools in the same transaction (accounts.school_settings
.save_trust_rules), on each school's audit page. Nothing here reads the database."""

import dataclasses

# Which way is stricter for a setting.
FEWER_MINUTES, OFF, ON = "fewer", "off", "on"


@dataclasses.dataclass(frozen=True)
class Rule:
    setting: str  # the field of School and of Trust
    locked: str  # the Trust field that locks it
    stricter: str
    # Beside the school's field when its value is looser than the trust's (formatted with `limit`).
    looser: str


RULES = (
    # R-LATE-15
    Rule("late_call_minutes", "late_call_locked", FEWER_MINUTES, "Your trust requires at most {limit} minutes."),
    # R-RETURN-30
    Rule("office_chase_minutes", "office_chase_locked", FEWER_MINUTES, "Your trust requires at most {limit} minutes."),
    # R-CHECKIN: empty is no check-ins at all, the loosest.
    Rule("checkin_interval_minutes", "checkin_interval_locked", FEWER_MINUTES,
         "Your trust requires check-ins at least every {limit} minutes."),
    # R-PAIR
    Rule("lone_visits_allowed", "lone_visits_locked", OFF, "Your trust does not allow lone visits."),
    # R-CODEWORD
    Rule("pin_to_end_visit", "pin_to_end_visit_locked", ON, "Your trust requires the PIN to end a visit."),
)
RULES_BY_SETTING = {rule.setting: rule for rule in RULES}


def shown(value) -> str:
    if value is None:
        return "no rule"
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return f"{value} minutes"


def is_looser(rule: Rule, value, limit) -> bool:
    """`value` (a school's) is looser than the trust's `limit` (never None here)."""
    if rule.stricter == FEWER_MINUTES:
        return value is None or value > limit
    if rule.stricter == OFF:
        return bool(value) and not limit
    return bool(limit) and not value


def problem(rule: Rule, trust, value) -> str | None:
    """What is wrong with a school's `value` under its trust's rule, in words for beside the field."""
    limit = getattr(trust, rule.setting) if trust is not None else None
    if limit is None:
        return None
    if getattr(trust, rule.locked):
        if value != limit:
            return f"Your trust has set this ({shown(limit).lower()}): only the trust can change it."
        return None
    return rule.looser.format(limit=limit) if is_looser(rule, value, limit) else None


def problems(school) -> dict[str, str]:
    """{setting: message} of every trust rule the school's (unsaved) values break."""
    trust = school.trust if school.trust_id else None
    found = {}
    for rule in RULES:
        message = problem(rule, trust, getattr(school, rule.setting))
        if message:
            found[rule.setting] = message
    return found


def locked_settings(trust) -> dict[str, str]:
    """{setting: what the school's page says} of the settings the trust has locked."""
    if trust is None:
        return {}
    return {rule.setting: f"Set by {trust.name}: only the trust can change it." for rule in RULES
            if getattr(trust, rule.locked) and getattr(trust, rule.setting) is not None}


def tighten(school, trust) -> list[str]:
    """Bring the school's values (in memory) within `trust`'s rules: each looser one, and each locked
    one, becomes the trust's. Returns the settings changed."""
    changed = []
    for rule in RULES:
        limit = getattr(trust, rule.setting)
        if limit is None:
            continue
        value = getattr(school, rule.setting)
        if (getattr(trust, rule.locked) and value != limit) or is_looser(rule, value, limit):
            setattr(school, rule.setting, limit)
            changed.append(rule.setting)
    return changed
