"""The change history of an anonymised record must not keep the personal data it removed."""

import datetime

import pytest

from audit import retention
from audit.history import tracked_models
from homevisits.factories import TUESDAY_GMT as NOW
from safety.models import SafeguardingConcern
from visits.models import Carer, Child, Family, Visit

from .retention_world import SECRET, household

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("clock_tuesday_gmt")]


def test_it_deletes_the_old_history_of_everything_it_anonymises(school, people):
    family = household(school, people)
    carer_id = Carer.objects.get(family=family).pk
    child_id = Child.objects.get(family=family).pk
    visit_id = Visit.objects.get(family=family).pk
    assert Family.history.filter(id=family.pk, display_name__contains=SECRET).exists()
    retention.apply(NOW)

    for _key, model in tracked_models():
        for row in model.history.all():
            assert SECRET not in repr(model.history.filter(history_id=row.history_id).values().get()), model
    assert not Carer.history.filter(id=carer_id).exists()
    assert not Child.history.filter(id=child_id).exists()
    assert not Visit.history.filter(id=visit_id).exists()


def test_it_leaves_one_row_saying_when_the_family_was_anonymised(school, people):
    family = household(school, people)
    retention.apply(NOW)
    row = Family.history.get(id=family.pk)
    assert row.history_change_reason == retention.ANONYMISED_REASON
    assert row.display_name == f"Anonymised family #{family.pk}"
    assert row.history_date == NOW and row.history_user is None


def test_it_scrubs_a_concerns_history_too(school, people):
    family = household(school, people, concern=True)
    concern = SafeguardingConcern.objects.get(family=family)
    assert SafeguardingConcern.history.filter(id=concern.pk).count() == 2
    retention.apply(datetime.datetime(2029, 1, 2, tzinfo=datetime.UTC))
    rows = list(SafeguardingConcern.history.filter(id=concern.pk))
    assert len(rows) == 1 and (rows[0].details, rows[0].dsl_notes) == ("", "")
    assert rows[0].history_change_reason == retention.ANONYMISED_REASON


def test_it_keeps_the_history_of_what_is_not_due(school, people):
    kept = household(school, people, left=(None,))
    rows = Family.history.filter(id=kept.pk).count()
    retention.apply(NOW)
    assert Family.history.filter(id=kept.pk).count() == rows
