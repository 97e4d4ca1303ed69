"""One guard for records that are history, not state (visit events, contact attempts, the access
log, account changes): written once, never changed or deleted through the ORM. Retention uses
queryset updates. Kept in the project package so that every app, the lowest included, can use it."""


class AppendOnly:
    append_only_label = "These records"

    def save(self, *args, **kwargs):
        if self.pk is not None:
            raise TypeError(f"{self.append_only_label} are append-only.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise TypeError(f"{self.append_only_label} are append-only.")
