"""What an MIS export holds, in our words, and the column headings the common MIS exports use.

Two kinds of file: pupils (one row a pupil, with the household's address and up to two carers) and
staff (one row a person). Each field here has a key the importer uses, the label people read on
the mapping and preview pages, and the headings it is known by in SIMS, Arbor and Bromcom exports.
A file from anything else, or an export laid out differently, is matched on the mapping page.
"""

from dataclasses import dataclass, field

from accounts import roles

PUPILS = "pupils"
STAFF = "staff"
KINDS = ((PUPILS, "Pupils, their households and carers"), (STAFF, "Staff"))

SIMS = "sims"
ARBOR = "arbor"
BROMCOM = "bromcom"
OTHER = "other"
SOURCES = ((SIMS, "SIMS"), (ARBOR, "Arbor"), (BROMCOM, "Bromcom"), (OTHER, "Another system (choose the columns)"))


@dataclass(frozen=True)
class Column:
    key: str
    label: str
    required: bool = False
    # Headings by source; OTHER lists extra spellings tried for any file.
    headings: dict = field(default_factory=dict)


def _carer(n: int, sims: str, arbor: str, bromcom: str) -> list[Column]:
    def h(suffix_sims, suffix_arbor, suffix_bromcom, *others):
        return {SIMS: [f"{sims} {suffix_sims}"], ARBOR: [f"{arbor} {suffix_arbor}"],
                BROMCOM: [f"{bromcom} {suffix_bromcom}"], OTHER: [f"Carer {n} {o}" for o in others]}

    return [
        Column(f"carer{n}_name", f"Carer {n}: name", headings=h("Name", "Name", "Full Name", "Name")),
        Column(f"carer{n}_relationship", f"Carer {n}: relationship",
               headings=h("Relationship", "Relationship", "Relationship", "Relationship")),
        Column(f"carer{n}_pr", f"Carer {n}: parental responsibility",
               headings=h("Parental Responsibility", "Parental Responsibility", "Parental Responsibility",
                          "Parental Responsibility", "PR")),
        Column(f"carer{n}_phone", f"Carer {n}: mobile",
               headings=h("Mobile", "Mobile Number", "Mobile Phone", "Mobile", "Phone")),
        Column(f"carer{n}_phone_alt", f"Carer {n}: other phone",
               headings=h("Home Telephone", "Home Number", "Home Phone", "Home Phone", "Other Phone")),
        Column(f"carer{n}_no_contact", f"Carer {n}: must not be contacted",
               headings=h("No Contact", "Do Not Contact", "Contact Restricted", "Must Not Contact",
                          "Do Not Contact")),
    ]


PUPIL_COLUMNS = [
    Column("upn", "UPN", headings={SIMS: ["UPN"], ARBOR: ["UPN"], BROMCOM: ["UPN"],
                                   OTHER: ["Unique Pupil Number"]}),
    Column("admission_number", "Admission number",
           headings={SIMS: ["Adno"], ARBOR: ["Admission No."], BROMCOM: ["Admission Number"],
                     OTHER: ["Admission No", "Adm No", "Admission Number"]}),
    Column("first_name", "First name", required=True,
           headings={SIMS: ["Legal Forename"], ARBOR: ["First Name"], BROMCOM: ["Legal Forename"],
                     OTHER: ["Forename", "First Name", "Given Name"]}),
    Column("last_name", "Last name", required=True,
           headings={SIMS: ["Legal Surname"], ARBOR: ["Last Name"], BROMCOM: ["Legal Surname"],
                     OTHER: ["Surname", "Last Name", "Family Name"]}),
    Column("date_of_birth", "Date of birth", required=True,
           headings={SIMS: ["DOB"], ARBOR: ["Date of Birth"], BROMCOM: ["DOB"], OTHER: ["Date of Birth", "DOB"]}),
    Column("class_name", "Class", headings={SIMS: ["Reg Group"], ARBOR: ["Registration Form"],
                                            BROMCOM: ["Tutor Group"], OTHER: ["Class", "Form", "Registration Group"]}),
    Column("on_roll_from", "Start date (on roll from)",
           headings={SIMS: ["Admission Date"], ARBOR: ["Start Date"], BROMCOM: ["Admission Date"],
                     OTHER: ["Start Date", "Admission Date", "Date of Admission"]}),
    Column("left_school_on", "Leaving date",
           headings={SIMS: ["Leaving Date"], ARBOR: ["Leaving Date"], BROMCOM: ["Leaving Date"],
                     OTHER: ["Leaving Date", "Date of Leaving", "End Date"]}),
    Column("family_ref", "Household reference",
           headings={SIMS: ["Family ID"], ARBOR: ["Household ID"], BROMCOM: ["Family Reference"],
                     OTHER: ["Household", "Family", "Family ID", "Household ID"]}),
    Column("address_line1", "Address line 1", required=True,
           headings={SIMS: ["Address Line 1"], ARBOR: ["Address Line 1"], BROMCOM: ["Address 1"],
                     OTHER: ["Address 1", "Address Line 1", "Street"]}),
    Column("address_line2", "Address line 2",
           headings={SIMS: ["Address Line 2"], ARBOR: ["Address Line 2"], BROMCOM: ["Address 2"],
                     OTHER: ["Address 2", "Address Line 2", "Locality"]}),
    Column("town", "Town", headings={SIMS: ["Town"], ARBOR: ["Town"], BROMCOM: ["Town"], OTHER: ["Town", "City"]}),
    Column("postcode", "Postcode", required=True,
           headings={SIMS: ["Postcode"], ARBOR: ["Postcode"], BROMCOM: ["Postcode"], OTHER: ["Post Code", "Postcode"]}),
    Column("home_phone", "Household phone",
           headings={SIMS: ["Home Telephone"], ARBOR: ["Home Phone"], BROMCOM: ["Home Phone"],
                     OTHER: ["Telephone", "Home Phone", "Phone"]}),
    *_carer(1, "Contact 1", "Primary Contact", "Contact 1"),
    *_carer(2, "Contact 2", "Secondary Contact", "Contact 2"),
]

STAFF_COLUMNS = [
    Column("first_name", "First name", required=True,
           headings={SIMS: ["Legal Forename"], ARBOR: ["First Name"], BROMCOM: ["Forename"],
                     OTHER: ["Forename", "First Name", "Given Name"]}),
    Column("last_name", "Last name", required=True,
           headings={SIMS: ["Legal Surname"], ARBOR: ["Last Name"], BROMCOM: ["Surname"],
                     OTHER: ["Surname", "Last Name", "Family Name"]}),
    Column("email", "Email address", required=True,
           headings={SIMS: ["Work Email"], ARBOR: ["Email Address"], BROMCOM: ["Work Email"],
                     OTHER: ["Email", "Email Address", "Work Email"]}),
    Column("role", "Role in Home Visits", required=True,
           headings={SIMS: ["Role"], ARBOR: ["Role"], BROMCOM: ["Role"], OTHER: ["Role", "Staff Role"]}),
    Column("job_title", "Job title",
           headings={SIMS: ["Post"], ARBOR: ["Job Title"], BROMCOM: ["Job Title"], OTHER: ["Job Title", "Post"]}),
    Column("mobile", "Mobile",
           headings={SIMS: ["Mobile"], ARBOR: ["Mobile Number"], BROMCOM: ["Mobile Phone"],
                     OTHER: ["Mobile", "Mobile Number", "Mobile Phone"]}),
]


def columns_for(kind: str) -> list[Column]:
    return PUPIL_COLUMNS if kind == PUPILS else STAFF_COLUMNS


def _norm(heading) -> str:
    return " ".join(str(heading or "").replace("_", " ").split()).casefold()


def guess_mapping(kind: str, source: str, headings: list[str]) -> dict[str, str]:
    """{field key: file heading} for the fields whose heading is found: the source's own headings
    first, then every spelling we know."""
    by_norm = {}
    for heading in headings:
        by_norm.setdefault(_norm(heading), heading)
    mapping = {}
    for column in columns_for(kind):
        names = list(column.headings.get(source, []))
        for other in (SIMS, ARBOR, BROMCOM, OTHER):
            names += [n for n in column.headings.get(other, []) if n not in names]
        names.append(column.label)
        for name in names:
            if _norm(name) in by_norm:
                mapping[column.key] = by_norm[_norm(name)]
                break
    return mapping


def missing_required(kind: str, mapping: dict) -> list[Column]:
    missing = [c for c in columns_for(kind) if c.required and not mapping.get(c.key)]
    if kind == PUPILS and not (mapping.get("upn") or mapping.get("admission_number")):
        missing.insert(0, Column("upn", "UPN or admission number", required=True))
    return missing


def template_headings(kind: str, source: str) -> list[str]:
    """The headings of a blank file laid out like `source`'s export (the page lists them)."""
    return [c.headings[source][0] for c in columns_for(kind) if c.headings.get(source)]


# The role words a staff file may use, and the Home Visits role each means. Anything else is named
# as an unknown role on the preview.
ROLE_WORDS = {
    roles.VISITING_STAFF: ["visiting staff", "teacher", "class teacher", "teaching assistant", "ta", "senco",
                           "family support worker", "fsw", "learning mentor", "attendance officer"],
    roles.OFFICE: ["office", "office staff", "office manager", "receptionist", "administrator", "admin officer"],
    roles.HEAD: ["head of school", "head", "headteacher", "head teacher", "principal"],
    roles.DSL: ["dsl", "designated safeguarding lead", "deputy dsl", "safeguarding lead"],
    roles.SCHOOL_ADMIN: ["school admin", "business manager", "school business manager"],
}
_ROLE_BY_WORD = {_norm(word): role for role, words in ROLE_WORDS.items() for word in [role, *words]}


def role_for(word) -> str | None:
    return _ROLE_BY_WORD.get(_norm(word))
