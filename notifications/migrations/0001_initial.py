# The outbox, moved here from the safety app (safety 0006). State only: the table keeps its name
# (safety_notification) and its rows; nothing is copied. The content type and the permissions of
# the model follow it, so the admin's history and the school admin's permission keep pointing at it.

import django.db.models.deletion
import django.utils.timezone
from django.conf import settings
from django.db import migrations, models


MOVED = ("notification",)


def _move(apps, old, new):
    ContentType = apps.get_model("contenttypes", "ContentType")
    for model in MOVED:
        if ContentType.objects.filter(app_label=new, model=model).exists():
            continue  # made already (a migrate run before this one): leave both as they are
        ContentType.objects.filter(app_label=old, model=model).update(app_label=new)


def content_types_follow(apps, schema_editor):
    _move(apps, "safety", "notifications")


def content_types_go_back(apps, schema_editor):
    _move(apps, "notifications", "safety")


class Migration(migrations.Migration):

    initial = True

    dependencies = [
        ('safety', '0006_notification_moves_to_notifications'),
        ('visits', '0006_starts_at_home_date_bounds_plain_labels'),
        migrations.swappable_dependency(settings.AUTH_USER_MODEL),
        ('contenttypes', '0002_remove_content_type_name'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.CreateModel(
                    name='Notification',
                    fields=[
                        ('id', models.BigAutoField(auto_created=True, primary_key=True, serialize=False, verbose_name='ID')),
                        ('dedupe_key', models.CharField(max_length=120, unique=True)),
                        ('channel', models.CharField(choices=[('email', 'Email'), ('sms', 'SMS')], max_length=10)),
                        ('subject', models.CharField(max_length=200)),
                        ('body', models.TextField()),
                        ('status', models.CharField(choices=[('pending', 'Waiting to send'), ('sent', 'Sent'), ('failed', 'Failed')], default='pending', max_length=10)),
                        ('attempts', models.PositiveSmallIntegerField(default=0)),
                        ('last_error', models.CharField(blank=True, max_length=300)),
                        ('next_attempt_at', models.DateTimeField(blank=True, null=True)),
                        ('handed_over_at', models.DateTimeField(blank=True, null=True)),
                        ('sending_since', models.DateTimeField(blank=True, null=True)),
                        ('provider_reference', models.CharField(blank=True, max_length=200)),
                        ('created_at', models.DateTimeField(default=django.utils.timezone.now)),
                        ('sent_at', models.DateTimeField(blank=True, null=True)),
                        ('escalation', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='safety.escalation')),
                        ('recipient', models.ForeignKey(on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to=settings.AUTH_USER_MODEL)),
                        ('visit', models.ForeignKey(blank=True, null=True, on_delete=django.db.models.deletion.CASCADE, related_name='notifications', to='visits.visit')),
                    ],
                    options={
                        'db_table': 'safety_notification',
                        'ordering': ['-created_at'],
                        'indexes': [models.Index(fields=['status', 'created_at'], name='safety_noti_status_ab5442_idx')],
                    },
                ),
            ],
            database_operations=[],
        ),
        migrations.RunPython(content_types_follow, content_types_go_back, elidable=False),
    ]
