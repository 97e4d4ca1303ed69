"""The roles of the product, kept as Django groups (created by a data migration)."""

VISITING_STAFF = "Visiting staff"
OFFICE = "Office"
HEAD = "Head of school"
DSL = "DSL"
SCHOOL_ADMIN = "School admin"
# A trust's roles, above its schools (accounts.models.TrustMembership says which trust): they give no
# school page; the trust pages (trusts app) show every school of the trust, read-only.
TRUST_SAFEGUARDING_LEAD = "Trust safeguarding lead"
TRUST_ADMIN = "Trust admin"
TRUST_ROLES = (TRUST_SAFEGUARDING_LEAD, TRUST_ADMIN)

ALL_ROLES = (VISITING_STAFF, OFFICE, HEAD, DSL, SCHOOL_ADMIN, *TRUST_ROLES)
# The order roles are named in on screen, the most senior first (the header shows the first held).
SENIORITY = (HEAD, DSL, SCHOOL_ADMIN, OFFICE, VISITING_STAFF, TRUST_SAFEGUARDING_LEAD, TRUST_ADMIN)
# The sets of roles, and who may do what: accounts.permissions.
