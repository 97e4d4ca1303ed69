# The risk assessment, its hazards and the safety checklist move to the visits app (visits 0007). They
# leave this app's state only: their tables and history tables stay where they are, with their rows.

from django.db import migrations


class Migration(migrations.Migration):

    dependencies = [
        ('safety', '0006_notification_moves_to_notifications'),
    ]

    operations = [
        migrations.SeparateDatabaseAndState(
            state_operations=[
                migrations.DeleteModel(name='Hazard'),
                migrations.DeleteModel(name='HistoricalHazard'),
                migrations.DeleteModel(name='HistoricalRiskAssessment'),
                migrations.DeleteModel(name='SafetyChecklist'),
                migrations.DeleteModel(name='RiskAssessment'),
            ],
            database_operations=[],
        ),
    ]
