"""Who may import into a school: its school admin and its head of school, into their own school only.

The head as well as the school admin: the policies put the school's list of families and its staff's
mobile numbers with the head (the head of school devises the visits and knows the Reception intake,
policy 000; the staff's mobile numbers are "recorded and held by the headteacher", 003, and easily
accessible to the headteacher and the office, 004). What a staff file may do to accounts is the same
for both, and for anyone else: accounts.remit (the head gives only Office and Visiting staff, like
the school admin)."""

from accounts import permissions
from accounts.models import has_role, school_of

IMPORTERS = permissions.AUDITORS  # the school admin and the head of school (the set that reads the audit trail)


def import_school(user):
    """The school `user` may import into, or None."""
    school = school_of(user)
    if school is None or not has_role(user, *IMPORTERS):
        return None
    return school
