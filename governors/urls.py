from django.urls import path

from . import views

app_name = "governors"

urlpatterns = [
    path("governors/", views.current, name="current"),
    path("governors/<int:year>/", views.year, name="year"),
    path("governors/<int:year>/figures.csv", views.year_csv, name="csv"),
    path("governors/<int:year>/report.pdf", views.year_pdf, name="pdf"),
    path("governors/<int:year>/chart-<slug:name>.svg", views.chart, name="chart"),
]
