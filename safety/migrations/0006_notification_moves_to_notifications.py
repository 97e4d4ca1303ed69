# The outbox became an app of its own (notifications). The model leaves this app's state only: its
# table, safety_notification, stays where it is with its rows (notifications 0001 takes it over).

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('safety', '0005_plain_labels'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(
                    name='Notification',
                ),
            ],
            database_operations=[],
        ),
    ]
