"""Manager reports through the API: the report as JSON, CSV or XLSX."""

from ninja import Router

router = Router(tags=["reports"])
