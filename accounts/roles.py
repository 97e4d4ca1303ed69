"""The roles of the product, kept as Django groups (created by a data migration)."""

VISITING_STAFF = "Visiting staff"
OFFICE = "Office"
HEAD = "Head of school"
DSL = "DSL"
SCHOOL_ADMIN = "School admin"

ALL_ROLES = (VISITING_STAFF, OFFICE, HEAD, DSL, SCHOOL_ADMIN)
# The order roles are named in on screen, the most senior first (the header shows the first held).
SENIORITY = (HEAD, DSL, SCHOOL_ADMIN, OFFICE, VISITING_STAFF)
# The sets of roles, and who may do what: accounts.permissions.
