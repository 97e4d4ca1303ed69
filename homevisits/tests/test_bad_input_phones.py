"""Bad input: UK phone numbers typed as people type them are stored as E.164 and shown readably.

Through the family form (family, other number, a carer) and the staff profile (the school admin's
Django admin page), with the Ofcom drama range 07700 900xxx that accounts/phone.py accepts.
"""

import pytest
from django.urls import reverse

from accounts.models import StaffProfile
from homevisits.factories import FamilyFactory, VisitFactory
from homevisits.tests.formposts import family_data
from visits.models import Carer, Family

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_8am_gmt")]

TYPED = ["07700 900123", "+44 7700 900123", "(07700) 900123", "07700900123", "+447700900123", "0044 7700 900123"]
E164 = "+447700900123"
READABLE = "07700 900123"


@pytest.mark.parametrize("typed", TYPED)
def test_the_family_form_stores_e164_and_shows_the_national_format(client, people, typed):
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-create"), family_data(
        phone=typed, phone_alt=typed, carers=[{"phone": typed}]))
    assert response.status_code == 302, response.context["form"].errors if response.context else response
    family, carer = Family.objects.get(), Carer.objects.get()
    raw = Family.objects.values_list("phone", "phone_alt").get()
    assert raw == (E164, E164)  # the column itself
    assert Carer.objects.values_list("phone", flat=True).get() == E164
    assert family.phone.as_e164 == carer.phone.as_e164 == E164
    page = client.get(family.get_absolute_url()).content.decode()
    assert READABLE in page and f'href="tel:{E164}"' in page


@pytest.mark.parametrize("typed", ["07700 9001", "12345", "+44 7700 9001", "not a number", "07700 900123 900123"])
def test_the_family_form_refuses_what_is_not_a_uk_number(client, people, typed):
    client.force_login(people["office"])
    response = client.post(reverse("visits:family-create"), family_data(phone=typed))
    assert response.status_code == 200
    assert "Enter a UK phone number such as 07700 900123" in response.content.decode()
    assert not Family.objects.exists()


def admin_profile_data(profile, mobile):
    return {"user": profile.user_id, "school": profile.school_id, "job_title": profile.job_title, "mobile": mobile,
            "vehicle_make": "", "vehicle_model": "", "vehicle_registration": "", "vehicle_colour": "",
            "training_date": ""}


@pytest.mark.parametrize("typed", ["07700 900123", "+44 7700 900123", "(07700) 900123"])
def test_the_staff_profile_stores_e164_and_the_police_pack_shows_it_readably(client, people, school, typed):
    admin = people["admin"]  # the root world's school admin, in the Django admin
    admin.is_staff = True
    admin.save()
    profile = people["ta"].profile
    client.force_login(admin)
    response = client.post(reverse("admin:accounts_staffprofile_change", args=[profile.pk]),
                           admin_profile_data(profile, typed))
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    assert StaffProfile.objects.filter(pk=profile.pk).values_list("mobile", flat=True).get() == E164

    visit = VisitFactory(family=FamilyFactory(school=school), school=school, lead=people["teacher"],
                         staff=[people["teacher"], people["ta"]])
    client.force_login(people["office"])
    pack = client.get(reverse("safety:police-pack", args=[visit.pk])).content.decode()
    assert f'href="tel:{E164}">{READABLE}</a>' in pack


def test_the_staff_profile_refuses_a_number_that_is_not_uk(client, people):
    admin = people["admin"]  # the root world's school admin, in the Django admin
    admin.is_staff = True
    admin.save()
    profile = people["ta"].profile
    client.force_login(admin)
    response = client.post(reverse("admin:accounts_staffprofile_change", args=[profile.pk]),
                           admin_profile_data(profile, "0770 09"))
    assert response.status_code == 200
    assert "Enter a UK phone number such as 07700 900123" in response.content.decode()
    profile.refresh_from_db()
    assert str(profile.mobile) == "+447700900102"
