from django.db import models


class UsedSignInLink(models.Model):
    """A sign-in link that has been used. The unique digest is what makes a link single-use: using one is an
    INSERT, and a second INSERT of the same digest fails in the database, whichever process, cache or restart it
    comes from. Rows only matter while the link's signature is still fresh; `used_sign_in_links_purge` deletes the
    rest. The digest is sha256 of the link's nonce, so the table holds no contact and nothing usable as a link."""

    nonce_digest = models.CharField(max_length=64, unique=True)
    used_at = models.DateTimeField(db_index=True)

    def __str__(self) -> str:
        return f"sign-in link used {self.used_at:%Y-%m-%d %H:%M}"
