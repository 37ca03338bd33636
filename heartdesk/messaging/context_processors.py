from django.utils.functional import SimpleLazyObject

from heartdesk.accounts import policy
from heartdesk.messaging import selectors


def notifications(request):
    """The top bar's notifications link, for staff. The unread count is lazy: the top bar loads its badge by htmx
    (messaging:notifications_badge), so no page pays for the COUNT and pinned query counts stay as they are."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated or not policy.can(user, policy.NOTIFICATIONS_VIEW):
        return {}
    return {"show_notifications": True, "unread_notifications": SimpleLazyObject(lambda: selectors.unread_count(user))}
