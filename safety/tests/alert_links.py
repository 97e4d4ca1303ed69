"""The take-charge link each person's alert carries."""

import re

from notifications.models import Notification

LINK = re.compile(r"/out/take-charge/([^/\s]+)/")


def link_in_alert(person, escalation):
    note = Notification.objects.filter(recipient=person, escalation=escalation, dedupe_key__startswith="esc:").first()
    return LINK.search(note.body).group(0)
