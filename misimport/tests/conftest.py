"""The MIS import's own fixtures (the school, its people and the clocks are the root test world's)."""

import pytest


@pytest.fixture
def import_dir(settings, tmp_path):
    """Uploads kept in this test's own folder."""
    settings.MIS_IMPORT_DIR = tmp_path / "imports"
    return settings.MIS_IMPORT_DIR


@pytest.fixture
def admin_client(client, school_admin):
    client.force_login(school_admin)
    return client
