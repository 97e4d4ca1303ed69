"""R-SAFEWORD, secrets at rest: a visit's code word is stored encrypted with a key kept outside the
database (homevisits/crypto.py). The column holds no plaintext, a wrong key fails loudly instead of
showing nothing or garbage, rotation works, the migration encrypts what was stored before, and the
key is generated once on a first start. (Who may see the word: test_code_words.py.)"""

import datetime
import io
import os
import stat
import subprocess
import sys

import pytest
import time_machine
from cryptography.fernet import Fernet
from django.apps import apps
from django.conf import settings
from django.core.management import call_command
from django.core.management.base import CommandError
from django.db import connection

from accounts import roles
from homevisits import crypto
from homevisits.factories import FamilyFactory, SchoolFactory, VisitFactory, make_staff
from visits.code_words import check_keys, count_not_under_newest_key
from visits.models import Visit

WORD = "Zephyrquartz"
OLD_KEY, NEW_KEY, STRANGER_KEY = (Fernet.generate_key().decode() for _ in range(3))


def stored(visit) -> str:
    """What the database itself holds for the visit's code word."""
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT code_word FROM {Visit._meta.db_table} WHERE id = %s", [visit.pk])
        return cursor.fetchone()[0]


@pytest.fixture
def keys(settings):
    settings.FIELD_ENCRYPTION_KEYS = [OLD_KEY]
    return settings


@pytest.fixture
def visit(db, keys):
    school = SchoolFactory()
    teacher = make_staff(school, roles.VISITING_STAFF)
    return VisitFactory(school=school, family=FamilyFactory(school=school), lead=teacher, created_by=teacher,
                        staff=[teacher], code_word=WORD)


def test_the_database_column_holds_no_plaintext(visit):
    token = stored(visit)
    assert WORD not in token and WORD.lower() not in token.lower()
    assert Fernet(OLD_KEY.encode()).decrypt(token.encode()).decode() == WORD
    assert Visit.objects.get(pk=visit.pk).code_word == WORD
    # The same word twice is stored differently: nothing to compare or count in a stolen copy.
    twin = VisitFactory(school=visit.school, family=visit.family, lead=visit.lead, created_by=visit.lead,
                        code_word=WORD)
    assert stored(twin) != token


def test_a_word_saved_through_the_plan_form_is_stored_encrypted(client, visit):
    from visits.tests.planning import plan_data

    office = make_staff(visit.school, roles.OFFICE)
    partner = make_staff(visit.school, roles.VISITING_STAFF)
    client.force_login(office)
    with time_machine.travel(datetime.datetime(2026, 11, 24, 9, 0, tzinfo=datetime.UTC), tick=False):
        response = client.post(f"/visits/{visit.pk}/edit/", plan_data(
            visit.family, visit.lead, [partner], day="2026-11-24", start="10:00", back="11:30",
            code_word="Bluebell"))
        assert response.status_code == 302, response.context["form"].errors
        assert "Bluebell" in client.get(f"/visits/{visit.pk}/").content.decode()
    assert "Bluebell" not in stored(visit) and Visit.objects.get(pk=visit.pk).code_word == "Bluebell"


def test_no_code_word_is_stored_empty_and_retention_can_blank_one(visit):
    Visit.objects.filter(pk=visit.pk).update(code_word="")
    assert stored(visit) == "" and Visit.objects.get(pk=visit.pk).code_word == ""


@pytest.mark.django_db
def test_the_history_tables_never_hold_it(visit):
    visit.code_word = "Bluebell"
    visit.save()
    historical = apps.get_model("visits", "HistoricalVisit")
    assert "code_word" not in {f.name for f in historical._meta.fields}
    for model in apps.get_models():
        if model.__name__.startswith("Historical"):
            for row in model.objects.values():
                text = " ".join(str(v) for v in row.values())
                assert WORD not in text and "Bluebell" not in text and "gAAAAA" not in text, model


def test_a_wrong_key_fails_loudly(visit, keys, client):
    keys.FIELD_ENCRYPTION_KEYS = [STRANGER_KEY]
    with pytest.raises(crypto.EncryptionKeyError) as raised:
        Visit.objects.get(pk=visit.pk).code_word  # noqa: B018
    message = str(raised.value)
    assert "FIELD_ENCRYPTION_KEYS" in message and WORD not in message and STRANGER_KEY not in message
    # The page does not show an empty or made-up word: it fails (a 500 for the browser, logged).
    client.force_login(make_staff(visit.school, roles.HEAD))
    with pytest.raises(crypto.EncryptionKeyError):
        client.get(f"/visits/{visit.pk}/")
    # And the stack does not start on it (make run's preflight names the problem in one line).
    assert "cannot be opened" in check_keys()
    with pytest.raises(CommandError, match="FIELD_ENCRYPTION_KEYS"):
        call_command("preflight", stdout=io.StringIO())


def test_a_key_that_is_not_a_fernet_key_is_refused(keys, db):
    keys.FIELD_ENCRYPTION_KEYS = ["not-a-key"]
    with pytest.raises(crypto.EncryptionKeyError, match="key number 1 is not a Fernet key"):
        crypto.encrypt(WORD)


def test_rotation_re_encrypts_with_the_newest_key(visit, keys):
    others = [VisitFactory(school=visit.school, family=visit.family, lead=visit.lead, created_by=visit.lead,
                           code_word=f"{WORD}{n}") for n in range(3)]
    # A new key in front, the old one kept behind it: everything still reads.
    keys.FIELD_ENCRYPTION_KEYS = [NEW_KEY, OLD_KEY]
    assert Visit.objects.get(pk=visit.pk).code_word == WORD
    assert count_not_under_newest_key() == (4, 4)
    check = io.StringIO()
    call_command("reencrypt_code_words", "--check", stdout=check)
    assert "4 of 4 code word(s) are still encrypted with an older key" in check.getvalue()
    before = Visit.objects.get(pk=visit.pk).updated_at

    out = io.StringIO()
    call_command("reencrypt_code_words", stdout=out)
    assert "Re-encrypted 4 code word(s)" in out.getvalue() and "older keys can be removed" in out.getvalue()
    for v in [visit, *others]:
        Fernet(NEW_KEY.encode()).decrypt(stored(v).encode())  # the new key alone opens every one
    assert Visit.objects.get(pk=visit.pk).updated_at == before  # nothing else moved
    # The old key can go.
    keys.FIELD_ENCRYPTION_KEYS = [NEW_KEY]
    assert [Visit.objects.get(pk=v.pk).code_word for v in others] == [f"{WORD}{n}" for n in range(3)]
    again = io.StringIO()
    call_command("reencrypt_code_words", stdout=again)
    assert "Re-encrypted 0 code word(s)" in again.getvalue()


def test_the_key_file_is_generated_once_private_and_shared(tmp_path, settings):
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_ENCRYPTION_KEY_FILE = tmp_path / "var" / "field_encryption_key"
    first = crypto.configured_keys()
    assert len(first) == 1 and Fernet(first[0].encode())
    assert stat.S_IMODE(os.stat(settings.FIELD_ENCRYPTION_KEY_FILE).st_mode) == 0o600
    assert crypto.configured_keys() == first
    assert crypto.decrypt(crypto.encrypt(WORD)) == WORD


def test_processes_starting_together_agree_on_one_key(tmp_path):
    # Web workers, the Celery worker and beat may all start on a fresh machine at the same moment.
    var = tmp_path / "fresh"
    env = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEYS", "DATABASE_URL")}
    env.update({"HOMEVISITS_VAR_DIR": str(var), "DJANGO_SETTINGS_MODULE": "homevisits.settings"})
    code = "import django; django.setup(); from homevisits import crypto; print(crypto.configured_keys()[0])"
    procs = [subprocess.Popen([sys.executable, "-c", code], cwd=settings.BASE_DIR, env=env,
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True) for _ in range(4)]
    outputs = [p.communicate(timeout=120) for p in procs]
    assert all(p.returncode == 0 for p in procs), outputs
    printed = {out.strip().splitlines()[-1] for out, _err in outputs}
    assert len(printed) == 1
    assert (var / "field_encryption_key").read_text().strip() == printed.pop()
    assert not [p.name for p in var.iterdir() if p.name.startswith(".field_encryption_key")]


def test_manage_py_in_a_fresh_install_works_and_makes_the_key(tmp_path):
    env = {k: v for k, v in os.environ.items() if k not in ("FIELD_ENCRYPTION_KEYS", "DATABASE_URL")}
    env.update({"HOMEVISITS_VAR_DIR": str(tmp_path / "var")})
    for args in (["migrate", "--no-input", "-v", "0"], ["preflight"]):
        out = subprocess.run([sys.executable, "manage.py", *args], cwd=settings.BASE_DIR, env=env,
                             capture_output=True, text=True, timeout=300)
        assert out.returncode == 0, out.stdout + out.stderr
    assert (tmp_path / "var" / "field_encryption_key").is_file()


@pytest.mark.django_db(transaction=True)
def test_the_migration_encrypts_the_code_words_stored_before_and_back(keys):
    from django.db.migrations.executor import MigrationExecutor

    school = SchoolFactory()
    teacher = make_staff(school, roles.VISITING_STAFF)
    visit = VisitFactory(school=school, family=FamilyFactory(school=school), lead=teacher, created_by=teacher,
                         code_word=WORD)
    empty = VisitFactory(school=school, family=visit.family, lead=teacher, created_by=teacher, code_word="")
    before, after = [("visits", "0003_history_and_anonymised_at")], [("visits", "0004_encrypt_code_words")]
    executor = MigrationExecutor(connection)
    try:
        executor.migrate(before)  # back: the words are decrypted into the old column
        assert stored(visit) == WORD and stored(empty) == ""
        executor = MigrationExecutor(connection)
        executor.migrate(after)  # forward: encrypted, once
        token = stored(visit)
        assert WORD not in token and crypto.decrypt(token) == WORD and stored(empty) == ""
    finally:
        MigrationExecutor(connection).migrate(executor.loader.graph.leaf_nodes())
    assert Visit.objects.get(pk=visit.pk).code_word == WORD


def test_preflight_lets_an_install_whose_words_are_still_to_be_migrated_start_migrating(visit):
    # make run's preflight comes before migrate: plain words written by the old version are no sign
    # of a wrong key (the migration encrypts them next).
    with connection.cursor() as cursor:
        cursor.execute(f"UPDATE {Visit._meta.db_table} SET code_word = %s WHERE id = %s", [WORD, visit.pk])
    assert check_keys() is None
