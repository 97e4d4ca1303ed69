"""Each member of staff on a visit signs themselves back in (R-RETURN): the staff of a visit get an
explicit link model, VisitStaff, on the table the plain many-to-many field always had, so no row
moves; only two columns are added to it. Visits already back count everyone on them as back; on a
visit out, everyone was last heard from when the visit last was."""

import django.db.models.deletion
from django.conf import settings
from django.db import migrations, models
from django.db.models.functions import Coalesce


STATES = [
    ("draft", "Draft"), ("submitted", "Waiting for approval"), ("approved", "Approved"), ("refused", "Refused"),
    ("departed", "On the way"), ("on_site", "At the visit"), ("left", "Left the property"), ("returned", "Returned"),
    ("cancelled", "Cancelled"),
]
EVENT_KINDS = [
    ("created", "Planned"), ("edited", "Changed"), ("submitted", "Submitted for approval"), ("approved", "Approved"),
    ("refused", "Refused"), ("reopened", "Sent back for approval after a change"), ("cancelled", "Cancelled"),
    ("departed", "Left for the visit"), ("arrived", "Arrived, feels safe"), ("unsafe", "Arrived, does NOT feel safe"),
    ("ok", "All OK"), ("late", "Running late"), ("no_one_home", "No one home"), ("left", "Left the property"),
    ("abandoned", "Visit abandoned"), ("returned", "Back at school"), ("duress", "CODE WORD / duress"),
    ("escalated", "Escalated by the watchdog"), ("alert_repeated", "Alert repeated"),
    ("acknowledged", "Alert acknowledged"), ("contact", "Contact step"), ("resolved", "Escalation resolved"),
]


def where_each_person_is(apps, schema_editor):
    """Until now one person's word stood for everyone: on a visit already back, everyone is back;
    on a visit out, everyone was last heard from when the visit last was."""
    VisitStaff = apps.get_model("visits", "VisitStaff")
    Visit = apps.get_model("visits", "Visit")
    of_the_visit = Visit.objects.filter(pk=models.OuterRef("visit_id"))
    returned = Visit.objects.filter(state="returned", returned_at__isnull=False)
    VisitStaff.objects.filter(visit__in=returned, returned_at__isnull=True).update(
        returned_at=models.Subquery(of_the_visit.values("returned_at")[:1]))
    out = Visit.objects.filter(state__in=["departed", "on_site", "left"])
    VisitStaff.objects.filter(visit__in=out, last_word_at__isnull=True).update(
        last_word_at=models.Subquery(of_the_visit.annotate(
            word=Coalesce("last_contact_at", "departed_at")).values("word")[:1]))
    out.filter(heard_from_all_at__isnull=True).update(
        heard_from_all_at=Coalesce("last_contact_at", "departed_at"))


class Migration(migrations.Migration):

    dependencies = [
        ("visits", "0004_encrypt_code_words"),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            # The table visits_visit_staff (id, visit_id, user_id, unique together) already exists.
            state_operations=[
                migrations.CreateModel(
                    name="VisitStaff",
                    fields=[
                        ("id", models.BigAutoField(auto_created=True, primary_key=True, serialize=False,
                                                   verbose_name="ID")),
                        ("user", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                   related_name="visit_links", to=settings.AUTH_USER_MODEL)),
                        ("visit", models.ForeignKey(on_delete=django.db.models.deletion.CASCADE,
                                                    related_name="staff_links", to="visits.visit")),
                    ],
                    options={"db_table": "visits_visit_staff", "unique_together": {("visit", "user")}},
                ),
                migrations.AlterField(
                    model_name="visit",
                    name="staff",
                    field=models.ManyToManyField(related_name="visits", through="visits.VisitStaff",
                                                 to=settings.AUTH_USER_MODEL),
                ),
            ],
            database_operations=[],
        ),
        migrations.AddField(
            model_name="visitstaff",
            name="last_word_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="visitstaff",
            name="returned_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="visit",
            name="heard_from_all_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.AddField(
            model_name="historicalvisit",
            name="heard_from_all_at",
            field=models.DateTimeField(blank=True, null=True),
        ),
        migrations.RunPython(where_each_person_is, migrations.RunPython.noop),
        # Leaving for a visit is never called "signing out", which means leaving the app.
        migrations.AlterField(
            model_name="historicalvisit",
            name="state",
            field=models.CharField(choices=STATES, default="draft", max_length=12),
        ),
        migrations.AlterField(
            model_name="visit",
            name="state",
            field=models.CharField(choices=STATES, default="draft", max_length=12),
        ),
        migrations.AlterField(
            model_name="visitevent",
            name="kind",
            field=models.CharField(choices=EVENT_KINDS, max_length=20),
        ),
    ]
