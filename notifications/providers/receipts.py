"""What a provider's callback says about one message, or a text message it received, after its
check passed."""

import dataclasses
import datetime

from .base import Delivery


@dataclasses.dataclass(frozen=True)
class Receipt:
    provider: str
    provider_reference: str  # the provider's id, as SendResult.reference returned it
    reference: str  # ours (Message.reference) when the provider echoes it, else ""
    status: Delivery
    detail: str = ""  # the provider's own word and error code, for the record
    answered_by: str = ""  # calls: Twilio's answering-machine verdict (human, machine_start, ...)
    heard: bool = False  # calls: the person pressed 1 (the proof a person heard it)


@dataclasses.dataclass(frozen=True)
class ReceivedText:
    """A text message someone sent to the school's number (an inbound SMS)."""

    provider: str
    provider_reference: str  # the provider's id of the message: a retried callback carries it again
    sender: str  # the sender's number as the provider gave it (E.164 from Twilio; 447700... from Notify)
    body: str
    received_at: datetime.datetime | None = None
