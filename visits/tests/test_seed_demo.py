import pytest
from django.contrib.auth import get_user_model
from django.core.management import call_command

from accounts.models import School
from visits.models import Child, Family, Visit, VisitEvent, VisitState

pytestmark = pytest.mark.django_db


def counts():
    return (School.objects.count(), get_user_model().objects.count(), Family.objects.count(),
            Child.objects.count(), Visit.objects.count(), VisitEvent.objects.count())


def test_seed_demo_twice_gives_the_same_counts():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    first = counts()
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    assert counts() == first
    assert first[2] == 12


def test_seed_demo_has_every_state_and_an_overdue_visit():
    call_command("seed_demo", stdout=open("/dev/null", "w"))
    states = set(Visit.objects.values_list("state", flat=True))
    assert states == set(VisitState.values)
    # The one the running beat escalates straight away (R-LATE-15).
    from django.utils import timezone

    assert Visit.objects.out().filter(next_check_at__lte=timezone.now()).count() == 1
