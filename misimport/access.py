"""Who may import into a school: its school admin and its head of school, into their own school only."""

from accounts import roles
from accounts.models import has_role, school_of

IMPORTERS = (roles.SCHOOL_ADMIN, roles.HEAD)


def import_school(user):
    """The school `user` may import into, or None."""
    school = school_of(user)
    if school is None or not has_role(user, *IMPORTERS):
        return None
    return school
