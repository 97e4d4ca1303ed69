"""A provider for fault drills on the real stack, named by its dotted path in a worker's SMS_PROVIDER.

HoldingFileSms is the file provider (a line a message in SMS_FILE_PATH is what it "accepted", and
its already_sent reads the file back) that stops at a chosen point of a send until the test lets it
go, so a drill can kill the worker exactly there:

- DRILL_HOLD=after: the line is written (the provider took the message), then it waits;
- DRILL_HOLD=before: it waits first, having taken nothing;
- unset: it sends at once.

While it waits it has written DRILL_HOLDING (the test's sign to act); it goes on when DRILL_RELEASE
exists, or fails after DRILL_MAX_WAIT_SECONDS (bounded: a drill never hangs a worker).
"""

import os
import time
from pathlib import Path

from notifications.providers.base import ProviderError
from notifications.providers.console import FileSms


def _hold():
    Path(os.environ["DRILL_HOLDING"]).write_text(str(os.getpid()))
    release = Path(os.environ["DRILL_RELEASE"])
    deadline = time.monotonic() + float(os.environ.get("DRILL_MAX_WAIT_SECONDS", "60"))
    while not release.exists():
        if time.monotonic() > deadline:
            raise ProviderError("The drill never released the provider", permanent=False)
        time.sleep(0.05)


class HoldingFileSms(FileSms):
    name = "drill"

    def send(self, message):
        hold = os.environ.get("DRILL_HOLD", "")
        if hold == "before":
            _hold()
        result = super().send(message)
        if hold == "after":
            _hold()
        return result
