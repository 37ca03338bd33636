from django.core.management.base import BaseCommand, CommandError

from heartdesk.accounts import services
from heartdesk.accounts.models import ApiToken, User
from heartdesk.core.errors import DomainError


class Command(BaseCommand):
    help = "Manage API tokens: token create USERNAME [--name N] [--days D] | token list [USERNAME] | token revoke ID"

    def add_arguments(self, parser):
        sub = parser.add_subparsers(dest="action", required=True)
        create = sub.add_parser("create", help="Make a token and print it (shown once).")
        create.add_argument("username")
        create.add_argument("--name", default="command line")
        create.add_argument("--days", type=int, default=None)
        listing = sub.add_parser("list", help="List tokens (of one user, or all).")
        listing.add_argument("username", nargs="?")
        revoke = sub.add_parser("revoke", help="Revoke a token by its id.")
        revoke.add_argument("id", type=int)

    def handle(self, *args, action, **options):
        try:
            getattr(self, f"_{action}")(**options)
        except DomainError as exc:
            raise CommandError(exc.message)

    def _user(self, username):
        try:
            return User.objects.get(username=username)
        except User.DoesNotExist:
            raise CommandError(f"No user named {username!r}.")

    def _create(self, username, name, days, **_):
        _, raw = services.token_create(user=self._user(username), name=name, days=days, actor=None)
        self.stdout.write(raw)

    def _list(self, username=None, **_):
        tokens = ApiToken.objects.select_related("user").order_by("-created_at")
        if username:
            tokens = tokens.filter(user=self._user(username))
        for t in tokens:
            state = "active" if t.is_active else ("revoked" if t.revoked_at else "expired")
            self.stdout.write(
                f"{t.pk}\t{t.user.username}\t{t.prefix}…\t{t.name}\t{state}\texpires {t.expires_at:%Y-%m-%d}"
            )

    def _revoke(self, id, **_):
        token = ApiToken.objects.filter(pk=id).first()
        if token is None:
            raise CommandError(f"No token with id {id}.")
        services.token_revoke(token=token, actor=token.user)
        self.stdout.write(f"Revoked token {id}.")
