from django.utils.functional import SimpleLazyObject

from heartdesk.accounts import policy
from heartdesk.tickets import workspace


def notifications(request):
    """The top bar's notifications link, for ticket staff. The unread count is lazy: the top bar loads its badge
    by htmx (tickets:notifications_badge), so no page pays for the COUNT and pinned query counts stay as they are."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or not policy.can(user, policy.TICKETS_VIEW):
        return {}
    return {"show_notifications": True, "unread_notifications": SimpleLazyObject(lambda: workspace.unread_count(user))}
