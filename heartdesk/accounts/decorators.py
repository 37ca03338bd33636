from functools import wraps

from django.contrib.auth.decorators import login_required

from heartdesk.accounts import policy


def permission_required(permission: str):
    """Views: log in first, then ask the policy module (403 page when refused)."""

    def decorator(view):
        @login_required
        @wraps(view)
        def wrapper(request, *args, **kwargs):
            policy.require(request.user, permission)
            return view(request, *args, **kwargs)

        return wrapper

    return decorator
