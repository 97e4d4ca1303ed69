"""Append-only records in the Django admin: readable by a school admin (own school only), never
changed or deleted there (R-RECORD, R-CONTACT-STEPS: the history of a visit is its events)."""


from accounts.admin import SchoolScopedAdmin


class AppendOnlyAdmin(SchoolScopedAdmin):
    """Read-only: no add, change or delete, whoever asks (superusers included)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def get_actions(self, request):
        return {}
