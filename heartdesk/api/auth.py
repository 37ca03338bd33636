"""API authentication: a bearer token, or the browser's session (with its CSRF check) for htmx and the docs."""

from ninja.security import HttpBearer, SessionAuth

from heartdesk.accounts.services import token_authenticate


class BearerToken(HttpBearer):
    def authenticate(self, request, token: str):
        user = token_authenticate(token)
        if user is not None:
            request.user = user
        return user


class StaffSession(SessionAuth):
    def authenticate(self, request, key):
        user = super().authenticate(request, key)
        return user if user is not None and user.is_active else None


API_AUTH = [BearerToken(), StaffSession()]
