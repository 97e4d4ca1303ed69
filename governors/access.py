"""R-REVIEW: the governors' report is for the head of school and the DSL of that school."""

from accounts import permissions
from accounts.models import has_role, school_of

READERS = permissions.LEADS  # the head of school and the DSL


def report_school(user):
    school = school_of(user)
    if school is None or not has_role(user, *READERS):
        return None
    return school
