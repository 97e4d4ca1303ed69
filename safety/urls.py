from django.urls import path

from . import readiness_views, views

app_name = "safety"

urlpatterns = [
    path("monitoring/status/", views.monitoring_status, name="monitoring"),
    # Who is out now (office, head, DSL).
    path("out/", views.BoardView.as_view(), name="board"),
    # Its body alone, polled by htmx every BOARD_POLL_SECONDS.
    path("out/live/", views.BoardBodyView.as_view(), name="board-body"),
    # Visiting staff: today's visits, each a tap from its check-in page.
    path("out/mine/", views.MyVisitsView.as_view(), name="my-visits"),
    # The phone check-in page of one visit (staff on the visit).
    path("out/<int:pk>/", views.CheckInView.as_view(), name="checkin"),
    # The office or head records what staff said on the phone.
    path("out/<int:pk>/phone/", views.RecordCallView.as_view(), name="record-call"),
    # Escalation panel: acknowledge and the contact steps (office, head, DSL).
    path("out/<int:pk>/escalation/", views.EscalationView.as_view(), name="escalation"),
    # Police pack, printable (R-POLICE).
    path("out/<int:pk>/police/", views.PolicePackView.as_view(), name="police-pack"),
    # Who would hear an alert now, the gaps, and test alerts (head of school, school admin).
    path("out/readiness/", readiness_views.ReadinessView.as_view(), name="readiness"),
]
