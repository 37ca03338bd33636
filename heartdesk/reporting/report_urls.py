"""Manager reports (weekly, monthly) and their CSV/XLSX downloads, mounted at /reports/."""

from django.urls import path

from heartdesk.reporting import report_views as views

app_name = "reports"
urlpatterns = [
    path("", views.index, name="index"),
    path("<str:kind>/<str:start>/", views.report, name="report"),
    path("<str:kind>/<str:start>/report.csv", views.download_csv, name="csv"),
    path("<str:kind>/<str:start>/report.xlsx", views.download_xlsx, name="xlsx"),
]
