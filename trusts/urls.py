from django.urls import path

from . import views

app_name = "trusts"

# The trust's pages, for its safeguarding leads and admins only (everyone else: 404). A school
# outside the user's trust is "not found", like one that does not exist.
urlpatterns = [
    path("trust/", views.overview, name="overview"),
    path("trust/live/", views.overview_body, name="overview-body"),
    path("trust/rules/", views.rules, name="rules"),
    path("trust/schools/<int:pk>/board/", views.board, name="board"),
    path("trust/schools/<int:pk>/board/live/", views.board_body, name="board-body"),
    path("trust/schools/<int:pk>/approvals/", views.approvals, name="approvals"),
    path("trust/schools/<int:pk>/alerts/", views.alerts, name="alerts"),
    # The trust's year (R-REVIEW): an academic year by the calendar year it began in.
    path("trust/year/", views.year_current, name="year-current"),
    path("trust/year/<int:year>/", views.year, name="year"),
    path("trust/year/<int:year>/figures.csv", views.year_csv, name="year-csv"),
    path("trust/year/<int:year>/report.pdf", views.year_pdf, name="year-pdf"),
]
