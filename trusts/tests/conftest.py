"""Two trusts: A (the root world's school and a second school, Nene Valley) and B (the other school).
A lead and an admin of each."""

import dataclasses

import pytest

from accounts import roles
from homevisits.factories import SchoolFactory, make_staff, make_trust, make_trust_person


@dataclasses.dataclass
class Trusts:
    a: object
    b: object
    second: object  # the second school of trust A
    lead: object  # trust A's safeguarding lead
    admin: object  # trust A's admin
    other_lead: object  # trust B's safeguarding lead
    other_admin: object
    second_office: object


@pytest.fixture
def trusts(school, other_school):
    second = SchoolFactory(name="Nene Valley")
    a = make_trust(school, second, name="Northampton Learning Trust")
    b = make_trust(other_school, name="Wootton Trust")
    return Trusts(a=a, b=b, second=second,
                  lead=make_trust_person(a, roles.TRUST_SAFEGUARDING_LEAD, username="trustlead"),
                  admin=make_trust_person(a, roles.TRUST_ADMIN, username="trustadmin"),
                  other_lead=make_trust_person(b, roles.TRUST_SAFEGUARDING_LEAD, username="otherlead"),
                  other_admin=make_trust_person(b, roles.TRUST_ADMIN, username="otheradmin"),
                  second_office=make_staff(second, roles.OFFICE, username="neneoffice"))
