"""R-CONFIDENTIAL: a trust's safeguarding lead and admin read every school of their trust, read-only,
and nothing of another trust's; every page they open is in the school's access log."""

import datetime

import pytest
from django.contrib.auth.models import Group

from accounts import roles
from audit.models import AccessLog
from homevisits.factories import UserFactory, as_user
from visits.scoping import AccessKind

pytestmark = pytest.mark.django_db

NOW = datetime.datetime(2026, 11, 24, 11, 0, tzinfo=datetime.UTC)  # the day fixture's clock (conftest)


def test_the_trust_lead_sees_both_schools_boards_at_once_with_their_counts(client, day, trusts, school):
    page = as_user(client, trusts.lead).get("/trust/")
    assert page.status_code == 200
    text = page.content.decode()
    # Both schools of the trust, with who is out at each, on one page; nothing of trust B.
    assert school.name in text and "Nene Valley" in text
    assert "Quillfeather family" in text and "Ashby family" in text
    assert "Zanzibar" not in text and "Heather Avenue" not in text
    summaries = {s.school.pk: s for s in page.context["overview"].schools}
    mine = summaries[school.pk]
    assert (mine.out_now, mine.overdue, mine.open_alerts, mine.awaiting_approval) == (1, 1, 1, 1)
    second = summaries[trusts.second.pk]
    assert (second.out_now, second.overdue, second.open_alerts, second.awaiting_approval) == (1, 0, 0, 0)
    # The school with an alert comes first.
    assert [s.school.pk for s in page.context["overview"].schools] == [school.pk, trusts.second.pk]


def test_a_schools_board_for_the_trust_is_read_only(client, day, trusts, school):
    page = as_user(client, trusts.lead).get(f"/trust/schools/{school.pk}/board/")
    assert page.status_code == 200
    text = page.content.decode()
    assert "Quillfeather family" in text and 'data-testid="board-row"' in text
    # No take-charge form, no contact steps, police pack or phone call, no link into the school's pages.
    for absent in ('method="post" action="/out/', "Take charge (level", "Police pack", "Record a phone call",
                   f'href="/visits/{day["late"].pk}/"', f'href="/out/{day["late"].pk}/'):
        assert absent not in text, absent


def test_the_offices_board_keeps_its_buttons(client, day, office):
    text = as_user(client, office).get("/out/").content.decode()
    assert "Take charge (level" in text and "Police pack" in text and f'href="/visits/{day["late"].pk}/"' in text


def test_the_polled_board_answers_304_when_nothing_changed_and_logs_only_what_it_showed(client, day, trusts,
                                                                                         school):
    as_user(client, trusts.lead)
    first = client.get(f"/trust/schools/{school.pk}/board/live/")
    assert first.status_code == 200 and "Quillfeather family" in first.content.decode()
    logged = AccessLog.objects.filter(user=trusts.lead, school=school, kind=AccessKind.TRUST_BOARD).count()
    again = client.get(f"/trust/schools/{school.pk}/board/live/", HTTP_IF_NONE_MATCH=first["ETag"])
    assert again.status_code == 304 and again.content == b""
    assert AccessLog.objects.filter(user=trusts.lead, school=school, kind=AccessKind.TRUST_BOARD).count() == logged
    overview = client.get("/trust/live/")
    assert overview.status_code == 200
    assert client.get("/trust/live/", HTTP_IF_NONE_MATCH=overview["ETag"]).status_code == 304


def test_approvals_and_alerts_are_listed_read_only(client, day, trusts, school):
    as_user(client, trusts.admin)
    approvals = client.get(f"/trust/schools/{school.pk}/approvals/").content.decode()
    assert "Waiting family" in approvals and "/approve/" not in approvals and "<form" not in approvals.split(
        "<main")[-1]
    alerts = client.get(f"/trust/schools/{school.pk}/alerts/").content.decode()
    assert "Quillfeather family" in alerts and "Nobody has taken charge yet" in alerts
    assert "Zanzibar" not in alerts


@pytest.mark.parametrize("page", ["board", "board/live", "approvals", "alerts"])
def test_every_read_is_in_the_schools_access_log(client, day, trusts, school, page):
    as_user(client, trusts.lead).get(f"/trust/schools/{school.pk}/{page}/")
    log = AccessLog.objects.get(user=trusts.lead)
    assert log.school == school and log.object_id == school.pk
    assert log.path == f"/trust/schools/{school.pk}/{page}/"
    assert log.at == NOW


def test_the_overview_logs_a_read_at_each_school(client, day, trusts, school):
    as_user(client, trusts.lead).get("/trust/")
    logs = AccessLog.objects.filter(user=trusts.lead, kind=AccessKind.TRUST_OVERVIEW)
    assert set(logs.values_list("school", flat=True)) == {school.pk, trusts.second.pk}


def test_the_schools_head_sees_the_trusts_reads_on_the_audit_page(client, day, trusts, school, head):
    as_user(client, trusts.lead).get(f"/trust/schools/{school.pk}/board/")
    text = as_user(client, head).get("/audit/reads/").content.decode()
    assert trusts.lead.get_full_name() in text and "The school&#x27;s live board, from the trust" in text


# --- The attacks -----------------------------------------------------------------------------------

TRUST_PAGES = ["board", "board/live", "approvals", "alerts"]


@pytest.mark.parametrize("page", TRUST_PAGES)
def test_another_trusts_school_is_not_found(client, day, trusts, other_school, page):
    for who in (trusts.lead, trusts.admin):
        as_user(client, who)
        hidden = client.get(f"/trust/schools/{other_school.pk}/{page}/")
        missing = client.get(f"/trust/schools/987654321/{page}/")
        assert hidden.status_code == missing.status_code == 404
        assert "Zanzibar" not in hidden.content.decode()
    assert not AccessLog.objects.filter(school=other_school).exists()


@pytest.mark.parametrize("page", ["", "live/", *[f"schools/{{pk}}/{p}/" for p in TRUST_PAGES]])
@pytest.mark.parametrize("who", ["head", "dsl", "office", "teacher", "school_admin", "superuser", "no role"])
def test_the_trust_pages_are_for_trust_roles_only(client, day, school, page, who, request):
    user = (UserFactory(is_superuser=True, is_staff=True) if who == "superuser" else UserFactory() if who == "no role"
            else request.getfixturevalue(who))
    response = as_user(client, user).get("/trust/" + page.format(pk=school.pk))
    assert response.status_code == 404


def test_a_trust_role_with_no_membership_sees_nothing(client, day, school):
    user = UserFactory()
    user.groups.add(Group.objects.get(name=roles.TRUST_SAFEGUARDING_LEAD))
    as_user(client, user)
    assert client.get("/trust/").status_code == 404
    assert client.get(f"/trust/schools/{school.pk}/board/").status_code == 404


def test_the_trust_pages_take_no_post(client, day, trusts, school):
    as_user(client, trusts.lead)
    for url in ("/trust/", f"/trust/schools/{school.pk}/board/", f"/trust/schools/{school.pk}/alerts/"):
        assert client.post(url, {}).status_code == 405
