# The risk assessment, its hazards and the safety checklist have one owner, visits, beside their pages
# and forms (moved from safety, safety 0007). State only: the tables and the history tables keep their
# names (safety_riskassessment, safety_historicalriskassessment, ...) and their rows; nothing is
# copied. Their content types (and so their permissions and admin log entries) follow them.

import django.core.validators
import django.db.models.deletion
import simple_history.models
from django.conf import settings
from django.db import migrations, models


MOVED = ("riskassessment", "historicalriskassessment", "hazard", "historicalhazard", "safetychecklist")


def _move(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # made already (a migrate run before this one): leave both as they are
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_follow(apps, schema_editor):
    _move(apps, "safety", "visits")


def content_types_go_back(apps, schema_editor):
    _move(apps, "visits", "safety")


class Migration(migrations.Migration):

    dependencies = [
        ('accounts', '0007_head_gates_setting_and_date_bounds'),
        ('contenttypes', '0002_remove_content_type_name'),
        ('safety', '0007_risk_assessment_moves_to_visits'),
        ('visits', '0006_starts_at_home_date_bounds_plain_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='RiskAssessment',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('vulnerable_persons', models.TextField(blank=True, max_length=2000)),
                        ('safeguarding_team_aware', models.BooleanField(default=False)),
                        ('risk_of_harm_high', models.BooleanField(default=False, verbose_name='the assessed risk of aggression, violence or harm is high')),
                        ('perpetrator_may_be_present', models.BooleanField(default=False, verbose_name='violence has recently occurred and the perpetrator is or may be at the address')),
                        ('aggression_or_intoxication', models.BooleanField(default=False, verbose_name='people expected to be present have shown aggression or intoxication')),
                        ('animals_separate_room', models.BooleanField(blank=True, null=True, verbose_name='the family has agreed to keep animals in a separate room')),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(auto_now=True)),
                        ('copied_from', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to='visits.riskassessment')),
                        ('reviewed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('visit', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='risk_assessment', to='visits.visit')),
                    ],
                    options={
                        'db_table': 'safety_riskassessment',
                    },
                ),
                migrations.CreateModel(
                    name='HistoricalRiskAssessment',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('vulnerable_persons', models.TextField(blank=True, max_length=2000)),
                        ('safeguarding_team_aware', models.BooleanField(default=False)),
                        ('risk_of_harm_high', models.BooleanField(default=False, verbose_name='the assessed risk of aggression, violence or harm is high')),
                        ('perpetrator_may_be_present', models.BooleanField(default=False, verbose_name='violence has recently occurred and the perpetrator is or may be at the address')),
                        ('aggression_or_intoxication', models.BooleanField(default=False, verbose_name='people expected to be present have shown aggression or intoxication')),
                        ('animals_separate_room', models.BooleanField(blank=True, null=True, verbose_name='the family has agreed to keep animals in a separate room')),
                        ('reviewed_at', models.DateTimeField(blank=True, null=True)),
                        ('updated_at', models.DateTimeField(blank=True, editable=False)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_school', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.school')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('reviewed_by', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('visit', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='visits.visit')),
                        ('copied_from', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='visits.riskassessment')),
                    ],
                    options={
                        'verbose_name': 'historical risk assessment',
                        'verbose_name_plural': 'historical risk assessments',
                        'db_table': 'safety_historicalriskassessment',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='HistoricalHazard',
                    fields=[
                        ('id', models.BigIntegerField(auto_created=True, blank=True, db_index=True, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('aggression', 'Aggressive or violent person'), ('driving', 'Driving'), ('public_areas', 'Public areas'), ('illness', 'Illness or injury'), ('animals', 'Animals'), ('other', 'Other')], max_length=20)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('who_may_be_harmed', models.CharField(default='Visiting staff', max_length=200)),
                        ('severity', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3)])),
                        ('likelihood', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3)])),
                        ('controls', models.TextField(blank=True, max_length=2000)),
                        ('history_id', models.AutoField(primary_key=True, serialize=False)),
                        ('history_date', models.DateTimeField(db_index=True)),
                        ('history_change_reason', models.CharField(max_length=100, null=True)),
                        ('history_type', models.CharField(choices=[('+', 'Created'), ('~', 'Changed'), ('-', 'Deleted')], max_length=1)),
                        ('history_school', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='accounts.school')),
                        ('history_user', models.ForeignKey(null=True, on_delete=django.db.models.deletion.SET_NULL, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('assessment', models.ForeignKey(blank=True, db_constraint=False, null=True, on_delete=django.db.models.deletion.DO_NOTHING, related_name='+', to='visits.riskassessment')),
                    ],
                    options={
                        'verbose_name': 'historical hazard',
                        'verbose_name_plural': 'historical hazards',
                        'db_table': 'safety_historicalhazard',
                        'ordering': ('-history_date', '-history_id'),
                        'get_latest_by': ('history_date', 'history_id'),
                    },
                    bases=(simple_history.models.HistoricalChanges, models.Model),
                ),
                migrations.CreateModel(
                    name='SafetyChecklist',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('info_gathered', models.BooleanField(default=False)),
                        ('family_knows', models.BooleanField(default=False)),
                        ('recorded_whereabouts', models.BooleanField(default=False)),
                        ('journey_safe', models.BooleanField(default=False)),
                        ('necessary_belongings_only', models.BooleanField(default=False)),
                        ('exit_strategy', models.BooleanField(default=False)),
                        ('completed_at', models.DateTimeField(blank=True, null=True)),
                        ('completed_by', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.PROTECT, related_name='+', to=settings.AUTH_USER_MODEL)),
                        ('visit', models.OneToOneField(on_delete=django.db.models.deletion.CASCADE, related_name='checklist', to='visits.visit')),
                    ],
                    options={
                        'db_table': 'safety_safetychecklist',
                    },
                ),
                migrations.CreateModel(
                    name='Hazard',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('kind', models.CharField(choices=[('aggression', 'Aggressive or violent person'), ('driving', 'Driving'), ('public_areas', 'Public areas'), ('illness', 'Illness or injury'), ('animals', 'Animals'), ('other', 'Other')], max_length=20)),
                        ('description', models.CharField(blank=True, max_length=200)),
                        ('who_may_be_harmed', models.CharField(default='Visiting staff', max_length=200)),
                        ('severity', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3)])),
                        ('likelihood', models.PositiveSmallIntegerField(validators=[django.core.validators.MinValueValidator(1), django.core.validators.MaxValueValidator(3)])),
                        ('controls', models.TextField(blank=True, max_length=2000)),
                        ('assessment', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='hazards', to='visits.riskassessment')),
                    ],
                    options={
                        'db_table': 'safety_hazard',
                        'ordering': ['pk'],
                        'constraints': [models.CheckConstraint(condition=models.Q(('severity__gte', 1), ('severity__lte', 3)), name='hazard_severity_1_3'), models.CheckConstraint(condition=models.Q(('likelihood__gte', 1), ('likelihood__lte', 3)), name='hazard_likelihood_1_3')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back, elidable=False),
    ]
