"""The roles of the product, kept as Django groups (created by a data migration)."""

VISITING_STAFF = "Visiting staff"
OFFICE = "Office"
HEAD = "Head of school"
DSL = "DSL"
SCHOOL_ADMIN = "School admin"

ALL_ROLES = (VISITING_STAFF, OFFICE, HEAD, DSL, SCHOOL_ADMIN)

# Who may approve a visit (R-AUTH): the head of school / principal or the DSL.
APPROVERS = (HEAD, DSL)
# Who keeps watch over staff who are out and sees code words (R-SAFEWORD).
WATCHERS = (OFFICE, HEAD)
# Who sees every family of the school (R-CONFIDENTIAL: visiting staff see only their own).
SEE_ALL_FAMILIES = (OFFICE, HEAD, DSL, SCHOOL_ADMIN)
WATCHERS_SET = frozenset(WATCHERS)
