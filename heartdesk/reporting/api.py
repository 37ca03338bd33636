"""GET /api/v1/metrics: exactly the numbers the dashboard shows, with the same filters; KPI targets."""

from ninja import Router

router = Router(tags=["metrics"])
