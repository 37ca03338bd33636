from django import template

register = template.Library()


@register.filter
def history_value(value) -> str:
    """Render a value stored in a history entry ({id, label} records, lists, plain values)."""
    if value is None or value == "" or value == []:
        return "—"
    if isinstance(value, dict) and "label" in value:
        return str(value["label"])
    if isinstance(value, list):
        return ", ".join(history_value(v) for v in value)
    return str(value)
