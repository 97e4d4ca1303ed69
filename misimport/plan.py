"""What an import will do, worked out without writing anything (the preview), and doing it (the
confirmation, in one transaction that works it out again under a lock on the school).

Every lookup is confined to the importing school: a pupil is found by UPN or admission number only
among that school's children, a member of staff by email only among that school's staff, and a
household reference or any other value in the file is never taken as a database id. So a file
naming another school's pupils or staff can create records in the importer's own school, or be
refused, but never reads or changes the other school's.
"""

import datetime
import re
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.models import Group
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.validators import validate_email
from django.db import transaction

from accounts import account_audit, remit
from accounts.models import AccountChangeKind, School, StaffProfile
from accounts.phone import to_uk_phone
from visits.models import Carer, Child, Family
from visits.validators import normalise_postcode

from . import columns
from .reading import cell_text

CHANGE_REASON = "Imported from the school's MIS"

_UPN = re.compile(r"^[A-Z][0-9]{11}[0-9A-Z]$")
_DATE_FORMATS = ("%d/%m/%Y", "%d/%m/%y", "%Y-%m-%d", "%d-%m-%Y", "%d.%m.%Y", "%d %b %Y", "%d %B %Y")
_YES = {"yes", "y", "true", "1", "x", "pr", "parental responsibility"}
_NO = {"no", "n", "false", "0", ""}


@dataclass
class Problem:
    line: int
    column: str  # the field as people read it
    heading: str  # the file's own column heading, where there is one
    message: str


@dataclass
class Counts:
    created: int = 0
    updated: int = 0
    unchanged: int = 0

    def add(self, action):
        setattr(self, action, getattr(self, action) + 1)


@dataclass
class Change:
    line: int
    action: str  # created / updated / unchanged
    what: str
    fields: list = field(default_factory=list)  # labels of the fields that change

    @property
    def is_new(self) -> bool:
        return self.action == "created"


@dataclass
class Plan:
    kind: str
    problems: list = field(default_factory=list)
    counts: dict = field(default_factory=dict)
    changes: list = field(default_factory=list)
    blank_rows: int = 0
    _saves: list = field(default_factory=list, repr=False)

    @property
    def ok(self) -> bool:
        return not self.problems

    @property
    def rows(self) -> int:
        return len({c.line for c in self.changes})

    @property
    def writes(self) -> int:
        return sum(c.created + c.updated for c in self.counts.values())

    def counted(self, what):
        return self.counts.setdefault(what, Counts())


class Row:
    """One line of the file, read through the mapping."""

    def __init__(self, line, cells, mapping, index, labels):
        self.line = line
        self._cells = cells
        self._mapping = mapping
        self._index = index
        self._labels = labels
        self.problems = []

    def has(self, key) -> bool:
        return key in self._mapping

    def text(self, key) -> str:
        heading = self._mapping.get(key)
        if heading is None:
            return ""
        position = self._index[heading]
        return cell_text(self._cells[position]) if position < len(self._cells) else ""

    def raw(self, key):
        heading = self._mapping.get(key)
        if heading is None:
            return None
        position = self._index[heading]
        return self._cells[position] if position < len(self._cells) else None

    def problem(self, key, message):
        if any(p.message == message and p.column == self._labels.get(key, key) for p in self.problems):
            return
        self.problems.append(Problem(self.line, self._labels.get(key, key), self._mapping.get(key, ""), message))

    def date(self, key):
        value = self.raw(key)
        if isinstance(value, datetime.datetime):
            return value.date()
        if isinstance(value, datetime.date):
            return value
        text = self.text(key)
        if not text:
            return None
        for fmt in _DATE_FORMATS:
            try:
                return datetime.datetime.strptime(text, fmt).date()  # noqa: DTZ007 - a calendar date, no time
            except ValueError:
                continue
        self.problem(key, f"“{text}” is not a date: write it as day/month/year, such as 01/09/2026.")
        return None

    def yes_no(self, key, default=False):
        text = self.text(key).casefold()
        if not self.has(key):
            return default
        if text in _YES:
            return True
        if text in _NO:
            return False
        self.problem(key, f"“{self.text(key)}” should be yes or no.")
        return default


def rows_of(kind, table, mapping):
    """The file's rows read through `mapping` ({field key: heading}); blank rows left out (counted)."""
    known = {c.key for c in columns.columns_for(kind)}
    index = {}
    for position, heading in enumerate(table.headings):
        index.setdefault(heading, position)
    # Only our own field names, and only headings the file has: a crafted mapping maps nothing else.
    mapping = {k: h for k, h in mapping.items() if k in known and h in index}
    labels = {c.key: c.label for c in columns.columns_for(kind)}
    rows, blank = [], 0
    for number, cells in enumerate(table.rows, start=2):
        if all(cell_text(c) == "" for c in cells):
            blank += 1
            continue
        rows.append(Row(number, cells, mapping, index, labels))
    return rows, blank


def _model_errors(row, exc, field_keys):
    """Report a model's validation errors against the row's columns ({model field: column key})."""
    already = {p.column for p in row.problems}
    for name, messages in exc.message_dict.items():
        key = field_keys.get(name, name)
        if row._labels.get(key, key) in already:
            continue  # the row's own reading of that cell said what is wrong
        for message in messages:
            row.problem(key, message)


def _values(instance, names):
    out = {}
    for name in names:
        value = getattr(instance, name)
        out[name] = "" if value is None else str(value)
    return out


def _changed(before, instance, names, opts):
    after = _values(instance, names)
    return [str(opts.get_field(n).verbose_name) for n in names if before.get(n) != after[n]]


# --- Pupils -------------------------------------------------------------------------------------

FAMILY_FIELDS = {"address_line1": "address_line1", "address_line2": "address_line2", "town": "town",
                 "postcode": "postcode", "phone": "home_phone"}
CHILD_FIELDS = {"first_name": "first_name", "last_name": "last_name", "date_of_birth": "date_of_birth",
                "class_name": "class_name", "upn": "upn", "admission_number": "admission_number",
                "on_roll_from": "on_roll_from", "left_school_on": "left_school_on"}


def _carer_fields(n):
    return {"name": f"carer{n}_name", "relationship": f"carer{n}_relationship", "phone": f"carer{n}_phone",
            "phone_alt": f"carer{n}_phone_alt", "parental_responsibility": f"carer{n}_pr",
            "must_not_contact": f"carer{n}_no_contact"}


def _household_key(row):
    ref = row.text("family_ref")
    if ref:
        return ("ref", ref.casefold())
    street = " ".join(row.text("address_line1").casefold().replace(",", " ").split())
    return ("address", street, row.text("postcode").replace(" ", "").upper())


def _pupil_ids(row, seen_upn, seen_adno):
    upn = row.text("upn").replace(" ", "").upper()
    adno = row.text("admission_number").strip()
    if not upn and not adno:
        row.problem("upn" if row.has("upn") else "admission_number",
                    "Each pupil needs a UPN or an admission number.")
    if upn and not _UPN.match(upn):
        row.problem("upn", f"“{upn}” is not a UPN (a letter and twelve more characters, such as A123456789012).")
    if len(adno) > 20:
        row.problem("admission_number", "An admission number has at most 20 characters.")
    if upn and upn in seen_upn:
        row.problem("upn", f"Duplicate: UPN {upn} is also on line {seen_upn[upn]}.")
    elif upn:
        seen_upn[upn] = row.line
    if adno and adno in seen_adno:
        row.problem("admission_number", f"Duplicate: admission number {adno} is also on line {seen_adno[adno]}.")
    elif adno:
        seen_adno[adno] = row.line
    return upn, adno


def _check_cells(row):
    """The cells every row must get right even where a sibling's row supplies the household's values."""
    if row.text("postcode"):
        try:
            normalise_postcode(row.text("postcode"))
        except ValidationError:
            row.problem("postcode", f"“{row.text('postcode')}” is not a UK postcode (such as NN4 9BX).")
    elif row.has("postcode"):
        row.problem("postcode", "Enter the household's postcode.")
    for n in (1, 2):
        row.yes_no(f"carer{n}_pr")
        row.yes_no(f"carer{n}_no_contact")
    phones = ["home_phone"] + [f"carer{n}_{kind}" for n in (1, 2) for kind in ("phone", "phone_alt")]
    for key in phones:
        text = row.text(key)
        if text and not getattr(to_uk_phone(text), "is_valid", lambda: False)():
            row.problem(key, f"“{text}” is not a UK phone number (such as 07700 900123 or 01604 496000).")


def plan_pupils(school, rows) -> Plan:
    plan = Plan(columns.PUPILS)
    children = list(Child.objects.filter(family__school=school).select_related("family"))
    by_upn = {c.upn: c for c in children if c.upn}
    by_adno = {c.admission_number: c for c in children if c.admission_number}
    seen_upn, seen_adno = {}, {}
    households = {}
    for row in rows:
        upn, adno = _pupil_ids(row, seen_upn, seen_adno)
        _check_cells(row)
        existing = by_upn.get(upn) if upn else None
        existing = existing or (by_adno.get(adno) if adno else None)
        households.setdefault(_household_key(row), []).append((row, upn, adno, existing))

    for members in households.values():
        first = members[0][0]
        family = next((m[3].family for m in members if m[3] is not None), None)
        creating = family is None
        if creating:
            family = Family(school=school, display_name=f"{first.text('last_name') or 'New'} family"[:150])
        before = {} if creating else _values(family, FAMILY_FIELDS)
        family.address_line1 = first.text("address_line1")[:150]
        if first.has("address_line2"):
            family.address_line2 = first.text("address_line2")[:150]
        if first.has("town"):
            family.town = first.text("town")[:100]
        family.postcode = first.text("postcode")
        if first.has("home_phone") and first.text("home_phone"):
            family.phone = first.text("home_phone")
        try:
            family.full_clean(exclude=["shared_with", "offer_status_date"])
        except ValidationError as exc:
            _model_errors(first, exc, FAMILY_FIELDS)
        family_action = "created" if creating else ("updated" if _changed(before, family, FAMILY_FIELDS,
                                                                          Family._meta) else "unchanged")
        plan.counted("families").add(family_action)
        if family_action != "unchanged":
            plan.changes.append(Change(first.line, family_action, f"Household: {family.display_name}",
                                       [] if creating else _changed(before, family, FAMILY_FIELDS, Family._meta)))
        saves = [("family", family, family_action)]

        for row, upn, adno, child in members:
            new_child = child is None
            if new_child:
                child = Child(family=family)
            before = {} if new_child else {**_values(child, CHILD_FIELDS), "family": str(child.family_id)}
            child.family = family
            child.first_name = row.text("first_name")[:100]
            child.last_name = row.text("last_name")[:100]
            child.date_of_birth = row.date("date_of_birth")
            if row.has("class_name"):
                child.class_name = row.text("class_name")[:50]
            if upn:
                child.upn = upn
            if adno:
                child.admission_number = adno
            if row.has("on_roll_from"):
                child.on_roll_from = row.date("on_roll_from")
            if row.has("left_school_on"):
                child.left_school_on = row.date("left_school_on")
            try:
                child.full_clean(exclude=["family"])
            except ValidationError as exc:
                _model_errors(row, exc, CHILD_FIELDS)
            if new_child:
                action, changed = "created", []
            else:
                changed = _changed(before, child, CHILD_FIELDS, Child._meta)
                if family.pk != int(before["family"]):
                    changed.append("household")
                action = "updated" if changed else "unchanged"
            plan.counted("children").add(action)
            plan.changes.append(Change(row.line, action, f"Pupil: {child}", changed))
            saves.append(("child", child, action))

        existing_carers = {} if creating else {c.name.casefold(): c for c in family.carers.all()}
        seen_carers = set()
        for row, *_rest in members:
            for n in (1, 2):
                name = row.text(f"carer{n}_name")
                if not name or name.casefold() in seen_carers:
                    continue
                seen_carers.add(name.casefold())
                carer = existing_carers.get(name.casefold())
                new_carer = carer is None
                names = _carer_fields(n)
                if new_carer:
                    carer = Carer(family=family, name=name[:150])
                before = {} if new_carer else _values(carer, names)
                carer.relationship = (row.text(f"carer{n}_relationship") or carer.relationship
                                      or "Parent or carer")[:60]
                carer.parental_responsibility = row.yes_no(f"carer{n}_pr", default=carer.parental_responsibility)
                if row.text(f"carer{n}_phone"):
                    carer.phone = row.text(f"carer{n}_phone")
                if row.text(f"carer{n}_phone_alt"):
                    carer.phone_alt = row.text(f"carer{n}_phone_alt")
                carer.must_not_contact = row.yes_no(f"carer{n}_no_contact", default=carer.must_not_contact)
                try:
                    carer.full_clean(exclude=["family"])
                except ValidationError as exc:
                    _model_errors(row, exc, names)
                changed = [] if new_carer else _changed(before, carer, names, Carer._meta)
                action = "created" if new_carer else ("updated" if changed else "unchanged")
                plan.counted("carers").add(action)
                if action != "unchanged":
                    plan.changes.append(Change(row.line, action, f"Carer: {carer.name}", changed))
                saves.append(("carer", carer, action))
        plan._saves.extend(saves)

    for row in rows:
        plan.problems.extend(row.problems)
    plan.problems.sort(key=lambda p: p.line)
    return plan


# --- Staff --------------------------------------------------------------------------------------
# Whoever imports is held to the one remit for accounts (accounts.remit), the same as in the Django
# admin: they give only the roles it lets them give, and an account it puts out of their reach (a
# superuser's, a Django admin user's, a senior role's or their own) keeps its roles. The import
# never sets a password, the active flag or an account's school, and never changes an email.

def _role_words(actor) -> str:
    return ", ".join(sorted(remit.grantable_roles(actor)))


def _expected(before, role, school):
    """The account snapshot (accounts.account_audit) the import would leave: `before` with the role
    added (a new account: just that role, no password, in the importing school)."""
    if before is None:
        return {"is_superuser": False, "is_staff": False, "is_active": True, "password": "!", "username": "",
                "email": "", "permissions": frozenset(), "roles": frozenset({role}), "school": school.pk}
    return {**before, "roles": before["roles"] | {role}}


def _holds(school, email, role) -> bool:
    return bool(email) and get_user_model().objects.filter(email__iexact=email, groups__name=role,
                                                           profile__school=school).exists()


def plan_staff(school, rows, actor) -> Plan:
    plan = Plan(columns.STAFF)
    User = get_user_model()
    seen = {}
    for row in rows:
        email = row.text("email").lower()
        first, last = row.text("first_name")[:150], row.text("last_name")[:150]
        if not first:
            row.problem("first_name", "Enter the first name.")
        if not last:
            row.problem("last_name", "Enter the last name.")
        try:
            validate_email(email)
        except ValidationError:
            row.problem("email", f"“{row.text('email')}” is not an email address." if email
                        else "Enter the email address: the invitation to set a password goes there.")
            email = ""
        if len(email) > 150:  # it becomes the username
            row.problem("email", "An email address to sign in with has at most 150 characters.")
            email = ""
        if email and email in seen:
            row.problem("email", f"Duplicate: {email} is also on line {seen[email]}.")
            email = ""
        elif email:
            seen[email] = row.line
        role = columns.role_for(row.text("role"))
        if role is None:
            row.problem("role", f"Unknown role “{row.text('role')}”: use one of {_role_words(actor)}, or a job "
                                "such as teacher, teaching assistant or office manager.")
        elif remit.role_refusal(actor, role) and not _holds(school, email, role):
            # (The school's head in the file as its head is no grant: that row goes through.)
            row.problem("role", remit.role_refusal(actor, role))
        mobile = row.text("mobile")
        if mobile:
            number = to_uk_phone(mobile)
            if not getattr(number, "is_valid", lambda: False)():
                row.problem("mobile", f"“{mobile}” is not a UK phone number (such as 07700 900123).")
        if row.problems or not email:
            continue

        accounts = list(User.objects.filter(email__iexact=email).select_related("profile__school")[:2])
        user = accounts[0] if len(accounts) == 1 else None
        profile = getattr(user, "profile", None) if user else None
        if accounts and (user is None or profile is None or profile.school_id != school.pk):
            row.problem("email", "This email address belongs to an account outside this school: it can't be "
                                 "imported here. Ask whoever runs Home Visits for your trust.")
            continue
        if user is not None and (user.is_superuser or user.is_staff):
            row.problem("email", "This email address belongs to an account that only a superuser changes (in the "
                                 "Django admin): leave it out of the file.")
            continue
        if not accounts and User.objects.filter(username__iexact=email).exists():
            row.problem("email", "An account with this email as its username belongs to someone else.")
            continue
        before = account_audit.snapshot(user) if user else None
        refused = remit.refusals(actor, user or User(username=email), before, _expected(before, role, school))
        if refused:
            row.problem("role", " ".join(refused))
            continue
        values = {"first_name": first, "last_name": last, "mobile": mobile,
                  "job_title": row.text("job_title")[:100] if row.has("job_title") else None, "role": role}
        if user is None:
            plan.counted("staff").add("created")
            plan.changes.append(Change(row.line, "created", f"Staff: {first} {last} ({role})"))
            plan._saves.append(("new_staff", email, values))
            continue
        changed = []
        if (user.first_name, user.last_name) != (first, last):
            changed.append("name")
        if mobile and str(profile.mobile) != str(to_uk_phone(mobile)):
            changed.append("mobile")
        if values["job_title"] is not None and profile.job_title != values["job_title"]:
            changed.append("job title")
        if role not in before["roles"]:
            changed.append(f"role {role}")
        action = "updated" if changed else "unchanged"
        plan.counted("staff").add(action)
        plan.changes.append(Change(row.line, action, f"Staff: {first} {last}", changed))
        if changed:
            plan._saves.append(("staff", user, values))
    for row in rows:
        plan.problems.extend(row.problems)
    plan.problems.sort(key=lambda p: p.line)
    return plan


def make_plan(kind, school, table, mapping, actor) -> Plan:
    """`actor` is who imports: a staff file is held to their remit (accounts.remit)."""
    rows, blank = rows_of(kind, table, mapping)
    plan = plan_pupils(school, rows) if kind == columns.PUPILS else plan_staff(school, rows, actor)
    plan.blank_rows = blank
    return plan


class NotImported(Exception):
    def __init__(self, plan):
        super().__init__("The file has problems: nothing was imported.")
        self.plan = plan


def run(kind, school, table, mapping, actor, invite) -> Plan:
    """Import the file: all of it in one transaction, or nothing if any row has a problem.
    `invite(user)` is called for each new member of staff (it queues the invitation after commit)."""
    with transaction.atomic():
        # One import at a time per school: the second waits, then sees what the first wrote.
        School.objects.select_for_update().get(pk=school.pk)
        plan = make_plan(kind, school, table, mapping, actor)
        if not plan.ok:
            raise NotImported(plan)
        for what, obj, action in plan._saves:
            if what in ("family", "child", "carer"):
                if action == "unchanged":
                    continue
                if what != "family":
                    obj.family = obj.family  # the household saved just before: take its id
                obj._change_reason = CHANGE_REASON
                obj.save()
            elif what == "new_staff":
                _create_staff(school, obj, action, actor, invite)
            else:
                _update_staff(obj, action, actor)
    return plan


def _create_staff(school, email, values, actor, invite):
    User = get_user_model()
    user = User(username=email, email=email, first_name=values["first_name"], last_name=values["last_name"])
    user.set_unusable_password()
    user.save()
    user.groups.add(Group.objects.get(name=values["role"]))
    StaffProfile.objects.create(user=user, school=school, mobile=values["mobile"] or "",
                                job_title=values["job_title"] or "")
    _check_and_record(actor, user, None)
    invite(user)
    account_audit.record(actor, user, AccountChangeKind.PASSWORD_RESET_SENT, new=email, school=school)


def _update_staff(user, values, actor):
    before = account_audit.snapshot(user)
    user.first_name, user.last_name = values["first_name"], values["last_name"]
    user.save(update_fields=["first_name", "last_name"])
    profile = user.profile
    if values["mobile"]:
        profile.mobile = values["mobile"]
    if values["job_title"] is not None:
        profile.job_title = values["job_title"]
    profile.save(update_fields=["mobile", "job_title"])
    user.groups.add(Group.objects.get(name=values["role"]))
    _check_and_record(actor, user, before)


def _check_and_record(actor, user, before):
    """The remit checked again on what was actually written (inside the import's transaction, so a
    refusal undoes the whole import), then the account's changes recorded for the audit page."""
    after = account_audit.snapshot(user)
    problems = remit.refusals(actor, user, before, after)
    if problems:
        raise PermissionDenied(" ".join(problems))
    account_audit.record_differences(actor, user, before, after)
