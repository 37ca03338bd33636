"""The executive dashboard and KPI targets, mounted at /dashboard/."""

app_name = "reporting"
urlpatterns: list = []
