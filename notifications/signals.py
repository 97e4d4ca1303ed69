"""Signals the outbox sends for the apps above it to act on (it never calls up into them)."""

from django.dispatch import Signal

# A person confirmed they heard an alert (a call answered and 1 pressed): sent once per notification,
# after the receipt is saved, with `notification`. The safety app acknowledges the escalation on it,
# and may answer with words for the rest of the call ("You have taken charge of this alert.").
alert_heard = Signal()

# A member of staff texted the school's number (notifications.inbound): sent once per received
# message, with `user` (matched by their registered mobile), `text` (a ReceivedText) and `now`. The
# safety app records the check-in it asks for and answers the words of the reply ("Recorded: ...").
text_received = Signal()
