import threading
import time

import pytest


@pytest.fixture
def no_network_wait(settings):
    """Providers give up on a silent server quickly in tests (a timeout test waits this long)."""
    settings.PROVIDER_TIMEOUT_SECONDS = 0.5


class Silent:
    """A fake server's handler that answers only after the client's timeout has passed. The fake
    server answers one request at a time, so the test waits for it to finish (`done`) before the next
    test's requests arrive."""

    def __init__(self, response, seconds=1.0):
        self.response, self.seconds = response, seconds
        self.finished = threading.Event()

    def __call__(self, request):
        try:
            time.sleep(self.seconds)  # the provider being slow, not a rule waiting to fire
            return self.response
        finally:
            self.finished.set()

    def done(self):
        assert self.finished.wait(5)


@pytest.fixture
def silent():
    handlers = []

    def make(response, seconds=1.0):
        handlers.append(Silent(response, seconds))
        return handlers[-1]

    yield make
    for handler in handlers:
        handler.done()
