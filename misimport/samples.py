"""A made-up MIS export for trying the import and for its tests: households of one to three pupils
with two carers each, laid out like a SIMS export. Every phone number is in Ofcom's range for drama
(never a real person's) and every name is invented from short lists."""

import csv
import datetime
import io

from . import columns

FIRST = ["Amelia", "Noah", "Isla", "Oliver", "Ava", "Leo", "Mia", "Arlo", "Freya", "Theo", "Aisha", "Yusuf",
         "Zara", "Kacper", "Maja", "Ibrahim", "Grace", "Jack", "Lily", "Harry"]
LAST = ["Khan", "Smith", "Jones", "Patel", "Nowak", "Williams", "Brown", "Taylor", "Ahmed", "Wilson", "Evans",
        "Okafor", "Murphy", "Hughes", "Begum", "Clarke", "Lewis", "Walker", "Ali", "Wright"]
STREETS = ["Elm Road", "Station Street", "Park Avenue", "Mill Lane", "Church Walk", "Victoria Close"]
CLASSES = ["Reception Oak", "Reception Ash", "Year 1 Birch", "Year 2 Cedar", "Year 3 Rowan", "Year 4 Willow",
           "Year 5 Maple", "Year 6 Hazel"]


def _upn(n: int) -> str:
    return f"H{801000000000 + n:012d}"[:13]


def pupil_rows(count=600, *, year=2026):
    """[{SIMS heading: value}] for `count` pupils; the first 60 are the coming reception intake (on roll
    from 1 September of `year`) and ten have left (with a leaving date)."""
    headings = {c.key: c.headings[columns.SIMS][0] for c in columns.PUPIL_COLUMNS}
    rows, n, household = [], 0, 0
    while n < count:
        household += 1
        last = LAST[household % len(LAST)]
        size = 1 + household % 3
        street = f"{household} {STREETS[household % len(STREETS)]}"
        postcode = f"NN{1 + household % 9} {household % 10}{'ABDEFGHJLN'[household % 10]}{'PQRSTUWXYZ'[household % 7]}"
        for _ in range(min(size, count - n)):
            n += 1
            intake = n <= 60
            age = 4 if intake else 5 + n % 6
            start = datetime.date(year, 9, 1) if intake else datetime.date(year - age + 4, 9, 1)
            row = {
                "upn": _upn(n), "admission_number": f"{n:05d}", "first_name": FIRST[n % len(FIRST)],
                "last_name": last, "date_of_birth": datetime.date(year - age - 1, 1 + n % 12, 1 + n % 28)
                .strftime("%d/%m/%Y"), "class_name": CLASSES[0 if intake else 2 + n % 6],
                "on_roll_from": start.strftime("%d/%m/%Y"),
                "left_school_on": datetime.date(year, 7, 22).strftime("%d/%m/%Y") if 100 < n <= 110 else "",
                "family_ref": f"F{household:04d}", "address_line1": street, "address_line2": "",
                "town": "Northampton", "postcode": postcode, "home_phone": f"01632 960{household % 1000:03d}",
                "carer1_name": f"{FIRST[(household + 3) % len(FIRST)]} {last}", "carer1_relationship": "Mother",
                "carer1_pr": "Yes", "carer1_phone": f"07700 900{household % 1000:03d}", "carer1_phone_alt": "",
                "carer1_no_contact": "No",
                "carer2_name": f"{FIRST[(household + 7) % len(FIRST)]} {last}", "carer2_relationship": "Father",
                "carer2_pr": "Yes", "carer2_phone": f"07700 900{(household + 500) % 1000:03d}",
                "carer2_phone_alt": "", "carer2_no_contact": "Yes" if household % 25 == 0 else "No",
            }
            rows.append({headings[k]: v for k, v in row.items()})
    return rows


def to_csv(rows) -> bytes:
    out = io.StringIO()
    writer = csv.DictWriter(out, fieldnames=list(rows[0]))
    writer.writeheader()
    writer.writerows(rows)
    return out.getvalue().encode("utf-8")


def staff_rows():
    # Office and visiting staff only: the head, the DSL and school admins are given their roles by a
    # superuser (accounts.remit), so a file naming them is refused on the preview.
    people = [("Sam", "Carter", "Receptionist", "Receptionist"), ("Priya", "Shah", "Learning mentor",
              "Learning mentor"), ("Tom", "Reid", "Office manager", "Office"), ("Jo", "Baker", "Class teacher", "Teacher"),
              ("Ade", "Bello", "Teaching assistant", "Teaching assistant"),
              ("Kim", "Moss", "Family support worker", "FSW")]
    rows = []
    for i, (first, last, post, role) in enumerate(people):
        rows.append({"Legal Forename": first, "Legal Surname": last, "Work Email": f"{first}.{last}@school.example"
                     .lower(), "Role": role, "Post": post, "Mobile": f"07700 900{200 + i:03d}"})
    return rows
