"""KPI targets: the guides' defaults (catalogue) unless the installation set its own (KpiTarget rows)."""

import math

from django.db import transaction
from django.utils import timezone

from heartdesk.accounts import policy
from heartdesk.core.errors import Invalid
from heartdesk.reporting.catalogue import BY_KEY, KPIS, Kind, KpiDefinition
from heartdesk.reporting.models import KpiTarget

# The values a target may take, by unit (and kind): a target outside them could never be met or missed.
RANGES: dict[str, tuple[float, float]] = {
    "%": (0.0, 100.0),
    "/5": (1.0, 5.0),
    "h": (0.0, 24.0 * 366),
}
NPS_RANGE = (-100.0, 100.0)
COUNT_RANGE = (0.0, 1e12)


def current_targets() -> dict[str, float | None]:
    """Every KPI's target: the stored one, else the catalogue's default (None: no target). One query."""
    targets = {k.key: k.target for k in KPIS}
    targets.update(dict(KpiTarget.objects.values_list("key", "value")))
    return targets


def _definition(key: str) -> KpiDefinition:
    definition = BY_KEY.get(str(key))
    if definition is None:
        raise Invalid(f"No KPI “{key}”; the KPIs are: {', '.join(BY_KEY)}.", field="key")
    return definition


def _range(definition: KpiDefinition) -> tuple[float, float]:
    if definition.kind == Kind.NPS:
        return NPS_RANGE
    if definition.kind == Kind.COUNT:
        return COUNT_RANGE
    return RANGES.get(definition.unit, (-math.inf, math.inf))


def check_target(key: str, value) -> float:
    """The target as a float, or Invalid naming "key" or "value"."""
    definition = _definition(key)
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise Invalid("The target must be a number.", field="value") from None
    if not math.isfinite(number):
        raise Invalid("The target must be a finite number.", field="value")
    low, high = _range(definition)
    if not low <= number <= high:
        unit = f" {definition.unit}" if definition.unit not in ("", "%") else definition.unit
        raise Invalid(
            f"A target for {definition.label} must be between {low:g}{unit} and {high:g}{unit}.", field="value"
        )
    return number


@transaction.atomic
def kpi_target_set(*, key: str, value, actor) -> KpiTarget:
    """Set the installation's own target for one KPI (needs METRICS_MANAGE)."""
    policy.require(actor, policy.METRICS_MANAGE)
    number = check_target(key, value)
    target, _ = KpiTarget.objects.select_for_update().update_or_create(
        key=key, defaults={"value": number, "updated_at": timezone.now(), "updated_by": actor}
    )
    return target


@transaction.atomic
def kpi_target_reset(*, key: str, actor) -> None:
    """Back to the guides' default for one KPI (needs METRICS_MANAGE); resetting a default is a no-op."""
    policy.require(actor, policy.METRICS_MANAGE)
    _definition(key)
    KpiTarget.objects.filter(key=key).delete()


@transaction.atomic
def kpi_targets_save(*, values: dict[str, float | None], actor) -> int:
    """Set many targets at once, all or nothing (None: back to the default); returns how many changed.

    Raises Invalid naming every refused KPI key, and then nothing is saved."""
    policy.require(actor, policy.METRICS_MANAGE)
    current = current_targets()
    errors: dict[str, list[str]] = {}
    changed = 0
    for key, value in values.items():
        if value is None:
            if current.get(key) != _definition(key).target:
                kpi_target_reset(key=key, actor=actor)
                changed += 1
        elif value != current.get(key):
            try:
                kpi_target_set(key=key, value=value, actor=actor)
            except Invalid as exc:
                errors[key] = [exc.message]
                continue
            changed += 1
    if errors:
        transaction.set_rollback(True)
        raise Invalid("Some targets were refused; nothing was saved.", field=next(iter(errors)), errors=errors)
    return changed


def target_rows() -> list[dict]:
    """Each KPI with its default, the target in force and who set it (the API and the targets page). One query."""
    stored = {t.key: t for t in KpiTarget.objects.all()}
    return [
        {
            "key": kpi.key,
            "label": kpi.label,
            "unit": kpi.unit,
            "better": kpi.better.value,
            "default": kpi.target,
            "value": stored[kpi.key].value if kpi.key in stored else kpi.target,
            "custom": kpi.key in stored,
            "updated_at": stored[kpi.key].updated_at if kpi.key in stored else None,
            "updated_by_id": stored[kpi.key].updated_by_id if kpi.key in stored else None,
        }
        for kpi in KPIS
    ]
