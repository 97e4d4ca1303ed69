"""A school set up from its own data in an afternoon, as a new user would do it (issue: a school running
in an afternoon): a new school's admin sets the ladder's minutes on the settings pages, imports the
staff and the generated 600-pupil MIS file, a teacher from that file sets their password from the
invitation and plans a visit to an imported family, which the ladder then watches with the school's
own minutes (R-LATE-15, R-RETURN-30)."""

import datetime

import pytest
from django.contrib.auth import get_user_model
from django.core import mail

from accounts import roles
from accounts.tests.settings_helpers import form_of, url
from homevisits.factories import SchoolFactory, make_staff
from homevisits.tests.formposts import visit_data
from misimport import samples
from safety import ladder
from visits import services
from visits.models import Family, Visit, VisitState

from .helpers import confirm, token_of, upload

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_december_gmt", "import_dir")]
PASSWORD = "a long and unusual sentence 42"


def test_a_new_school_is_set_up_from_its_mis_export_and_a_teacher_plans_a_visit(client, run_tasks):
    school = SchoolFactory(name="Riverside Primary")
    admin = make_staff(school, roles.SCHOOL_ADMIN)
    head = make_staff(school, roles.HEAD)  # heads are given their role by the install's superuser
    client.force_login(admin)

    # 1. The school's own ladder: the office at +20, the chase at +40.
    data = form_of(client, school, "alerts")
    data.update({"late_call_minutes": "20", "office_chase_minutes": "40"})
    assert client.post(url(school, "alerts"), data).status_code == 302

    # 2. Staff, then the pupils with their households and carers, each previewed then confirmed.
    with run_tasks():
        confirm(client, token_of(upload(client, samples.to_csv(samples.staff_rows()), kind="staff")))
    preview = upload(client, samples.to_csv(samples.pupil_rows()))
    assert preview.context["plan"].ok
    confirm(client, token_of(preview))
    assert Family.objects.filter(school=school).count() > 100

    # 3. A teacher from the staff file chooses a password from the invitation and signs in.
    jo = get_user_model().objects.get(email="jo.baker@school.example")
    body = next(m for m in mail.outbox if m.to == [jo.email]).body
    link = next(line for line in body.splitlines() if "/accounts/password/reset/" in line).strip()
    client.logout()
    page = client.get("/" + link.split("://", 1)[1].split("/", 1)[1], follow=True)
    client.post(page.redirect_chain[-1][0], {"new_password1": PASSWORD, "new_password2": PASSWORD})
    signed_in = client.post("/accounts/login/", {"username": jo.username, "password": PASSWORD})
    assert signed_in.status_code == 302 and "/accounts/login/" not in signed_in.url

    # 4. The head shares an imported family with her (the family's page does it; here its service),
    #    and she plans a visit to it with a teaching assistant from the same file.
    family = Family.objects.filter(school=school).order_by("pk").first()
    services.share_family(family, [jo], head)
    ade = get_user_model().objects.get(email="ade.bello@school.example")
    response = client.post("/visits/new/", visit_data(family, jo, [ade], day="2026-12-02"))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    visit = Visit.objects.get(family=family)
    assert visit.school == school and visit.lead == jo and visit.state == VisitState.DRAFT

    # 5. Once out, the ladder watches it with the school's minutes, not the defaults.
    deadlines = ladder.deadlines(visit)
    assert deadlines.late_at - visit.expected_return == datetime.timedelta(minutes=20)
    assert deadlines.chase_at - visit.expected_return == datetime.timedelta(minutes=40)
