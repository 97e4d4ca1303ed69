"""The school's risk table in the admin (R-CHECKIN, R-RISK): how often staff check in while out, by the
risk level, and whether an override puts the head of school on the first alert. A bad value is said
beside its field and nothing is saved."""

import re
from html import unescape

import pytest
from django.core.exceptions import ValidationError

from accounts.models import School

from .admin_forms import read_form

pytestmark = pytest.mark.django_db

FIELDS = ("low_risk_checkin_minutes", "medium_risk_checkin_minutes", "high_risk_checkin_minutes",
          "checkin_interval_minutes", "override_alerts_head_at_late_call")


@pytest.fixture
def as_admin(client, school_admin):
    school_admin.is_staff = True
    school_admin.save()
    client.force_login(school_admin)
    return client


def url(school):
    return f"/admin/accounts/school/{school.pk}/change/"


def stored(school):
    return School.objects.filter(pk=school.pk).values(*FIELDS).get()


def field_errors(html: str, field: str) -> str:
    """The text of the admin's row for `field`, where Django puts the field's own errors."""
    start = html.index(f"field-{field}")
    end = html.find('<div class="form-row', start + 10)
    return unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html[start:end if end != -1 else None])))


def test_the_school_form_offers_the_risk_table_with_help_text(as_admin, school):
    page = as_admin.get(url(school))
    data, names = read_form(page.content.decode(), "school_form")
    assert set(FIELDS) <= names
    html = page.content.decode()
    assert "Check-ins while out, by risk" in html
    assert "How often staff on a medium-risk visit check in while out" in html
    assert data["medium_risk_checkin_minutes"] == "30" and data["low_risk_checkin_minutes"] == ""
    assert data["override_alerts_head_at_late_call"] == "on"


def test_the_school_admin_sets_the_table(as_admin, school):
    data, _ = read_form(as_admin.get(url(school)).content.decode(), "school_form")
    data.update(low_risk_checkin_minutes="120", medium_risk_checkin_minutes="45", high_risk_checkin_minutes="20")
    data.pop("override_alerts_head_at_late_call")  # unticked
    assert as_admin.post(url(school), data).status_code == 302
    assert stored(school) == {"low_risk_checkin_minutes": 120, "medium_risk_checkin_minutes": 45,
                              "high_risk_checkin_minutes": 20, "checkin_interval_minutes": None,
                              "override_alerts_head_at_late_call": False}


@pytest.mark.parametrize(("changes", "field", "message"), [
    ({"low_risk_checkin_minutes": "20"}, "medium_risk_checkin_minutes",
     "A medium-risk visit can't check in less often than a low-risk one (every 20 minutes)"),
    ({"high_risk_checkin_minutes": "40"}, "high_risk_checkin_minutes",
     "A high-risk visit can't check in less often than a medium-risk one (every 30 minutes)"),
    ({"high_risk_checkin_minutes": ""}, "high_risk_checkin_minutes",
     "A high-risk visit needs check-ins too: medium-risk visits check in every 30 minutes."),
    ({"medium_risk_checkin_minutes": "5"}, "medium_risk_checkin_minutes",
     "Ensure this value is greater than or equal to 10."),
    ({"low_risk_checkin_minutes": "481"}, "low_risk_checkin_minutes",
     "Ensure this value is less than or equal to 480."),
], ids=["medium-looser-than-low", "high-looser-than-medium", "high-off-medium-on", "too-short", "too-long"])
def test_a_bad_value_is_said_beside_its_field_and_nothing_is_saved(as_admin, school, changes, field, message):
    before = stored(school)
    data, _ = read_form(as_admin.get(url(school)).content.decode(), "school_form")
    data.update(changes)
    data["office_phone"] = data.get("office_phone") or "01604 496000"
    response = as_admin.post(url(school), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert message in field_errors(html, field)
    assert stored(school) == before


def test_a_higher_risk_is_never_watched_less_closely_in_the_model_too(school):
    school.low_risk_checkin_minutes, school.medium_risk_checkin_minutes = 60, None
    with pytest.raises(ValidationError) as raised:
        school.full_clean()
    assert set(raised.value.message_dict) == {"medium_risk_checkin_minutes"}
    school.medium_risk_checkin_minutes, school.high_risk_checkin_minutes = None, None
    school.low_risk_checkin_minutes = None
    school.full_clean()  # nothing checked in at any risk is a choice the school may make
