"""The staff of a visit get an explicit link model (visits.VisitStaff, R-RETURN) on the table the plain
many-to-many field always had: visits planned before keep exactly their staff, everyone on a visit
already back counts as back, and on a visit out everyone was last heard from when the visit was."""

import datetime

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

BEFORE = [("visits", "0004_encrypt_code_words")]
AFTER = [("visits", "0005_visitstaff_where_each_person_is")]

pytestmark = pytest.mark.usefixtures("clock_tuesday_gmt")


def with_accounts_as_now(targets):
    """Accounts sits below visits and is never unapplied with it: the rows this test makes must
    fit the school table as it is, not as it was when visits 0004 was written."""
    accounts = [node for node in leaf_nodes() if node[0] == "accounts"]
    return targets + accounts
START = datetime.datetime(2026, 3, 3, 9, 0, tzinfo=datetime.UTC)


def migrate(targets):
    executor = MigrationExecutor(connection)
    executor.migrate(targets)
    return executor.loader.project_state(targets).apps


def leaf_nodes():
    return MigrationExecutor(connection).loader.graph.leaf_nodes()


@pytest.mark.django_db(transaction=True)
def test_the_staff_of_earlier_visits_are_kept_and_those_back_count_as_back():
    try:
        old = migrate(with_accounts_as_now(BEFORE))
        School, Family, Visit = (old.get_model(*name.split(".")) for name in
                                 ("accounts.School", "visits.Family", "visits.Visit"))
        User = old.get_model("auth", "User")
        school = School.objects.create(name="Old school", office_phone="+441604496000")
        teacher, ta = (User.objects.create(username=name) for name in ("old-teacher", "old-ta"))
        family = Family.objects.create(school=school, display_name="Old family", address_line1="1 Elm Road",
                                       postcode="NN4 9BX")

        def visit(state, returned_at=None):
            made = Visit.objects.create(
                school=school, family=family, purpose="induction", planned_start=START,
                expected_return=START + datetime.timedelta(minutes=75), address="1 Elm Road", lead=teacher,
                created_by=teacher, state=state, returned_at=returned_at)
            made.staff.add(teacher, ta)
            return made.pk

        back = visit("returned", returned_at=START + datetime.timedelta(minutes=70))
        out = visit("departed")
        Visit.objects.filter(pk=out).update(departed_at=START, last_contact_at=START + datetime.timedelta(minutes=20))

        new = migrate(with_accounts_as_now(AFTER))
        VisitStaff = new.get_model("visits", "VisitStaff")
        links = {(link.visit_id, link.user_id): link for link in VisitStaff.objects.all()}
        assert set(links) == {(back, teacher.pk), (back, ta.pk), (out, teacher.pk), (out, ta.pk)}
        assert links[(back, teacher.pk)].returned_at == START + datetime.timedelta(minutes=70)
        assert links[(back, ta.pk)].returned_at == START + datetime.timedelta(minutes=70)
        assert links[(out, teacher.pk)].returned_at is None and links[(out, ta.pk)].returned_at is None
        # On the visit out, everyone was last heard from when the visit last was (R-CHECKIN).
        heard = START + datetime.timedelta(minutes=20)
        assert links[(out, teacher.pk)].last_word_at == heard and links[(out, ta.pk)].last_word_at == heard
        still_out = new.get_model("visits", "Visit").objects.get(pk=out)
        assert still_out.staff.count() == 2 and still_out.heard_from_all_at == heard
    finally:
        migrate(leaf_nodes())
