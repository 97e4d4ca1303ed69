# The statuses from before delivery receipts become the providers' normalized ones: "pending" (not yet
# sent, or being retried) is "queued"; "failed" (given up after the last retry) is "temporary-failure",
# since nothing recorded then said the address itself was wrong.

from django.db import migrations

FORWARD = {"pending": "queued", "failed": "temporary-failure"}


def _rename(apps, mapping):
    Notification = apps.get_model("notifications", "Notification")
    for old, new in mapping.items():
        Notification.objects.filter(status=old).update(status=new)


def forward(apps, schema_editor):
    _rename(apps, FORWARD)


def backward(apps, schema_editor):
    # delivered and not-answered were "sent" before; the failures were "failed".
    _rename(apps, {"queued": "pending", "temporary-failure": "failed", "permanent-failure": "failed",
                   "delivered": "sent", "not-answered": "sent"})


class Migration(migrations.Migration):
    dependencies = [("notifications", "0002_delivery_receipts_and_push")]

    operations = [migrations.RunPython(forward, backward)]
