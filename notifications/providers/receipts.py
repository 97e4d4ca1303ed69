"""What a provider's callback says about one message, after its check passed."""

import dataclasses

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
