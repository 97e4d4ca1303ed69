import pytest


@pytest.fixture
def no_network_wait(settings):
    """Providers give up on a silent server quickly in tests (a timeout test waits this long)."""
    settings.PROVIDER_TIMEOUT_SECONDS = 0.5
