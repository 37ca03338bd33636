"""Manager reports (weekly, monthly) and their CSV/XLSX downloads, mounted at /reports/."""

app_name = "reports"
urlpatterns: list = []
