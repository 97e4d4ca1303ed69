from django.urls import path

from .views import alarms, board, checkin, escalation, police, readiness, takecharge

app_name = "safety"

urlpatterns = [
    path("monitoring/status/", board.monitoring_status, name="monitoring"),
    # Who is out now (office, head, DSL).
    path("out/", board.BoardView.as_view(), name="board"),
    # Its body alone, polled by htmx every BOARD_POLL_SECONDS.
    path("out/live/", board.BoardBodyView.as_view(), name="board-body"),
    # Visiting staff: today's visits, each a tap from its check-in page.
    path("out/mine/", checkin.MyVisitsView.as_view(), name="my-visits"),
    # The phone check-in page of one visit (staff on the visit).
    path("out/<int:pk>/", checkin.CheckInView.as_view(), name="checkin"),
    # The office or head records what staff said on the phone.
    path("out/<int:pk>/phone/", checkin.RecordCallView.as_view(), name="record-call"),
    # Escalation panel: acknowledge and the contact steps (office, head, DSL).
    path("out/<int:pk>/escalation/", escalation.EscalationView.as_view(), name="escalation"),
    # Take charge from the link in an alert (signed, for one person, used once).
    path("out/take-charge/<str:token>/", takecharge.TakeChargeView.as_view(), name="take-charge"),
    # Say what resolved alarms were (office, head, DSL), and correct it (head, DSL).
    path("out/alarms/", alarms.AlarmListView.as_view(), name="alarms"),
    path("out/alarms/<int:pk>/", alarms.AlarmView.as_view(), name="alarm"),
    # Police pack, printable (R-POLICE).
    path("out/<int:pk>/police/", police.PolicePackView.as_view(), name="police-pack"),
    # Who would hear an alert now, the gaps, and test alerts (head of school, school admin).
    path("out/readiness/", readiness.ReadinessView.as_view(), name="readiness"),
]
