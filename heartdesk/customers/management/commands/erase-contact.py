from django.core.management.base import BaseCommand, CommandError

from heartdesk.customers import services
from heartdesk.customers.models import Contact


class Command(BaseCommand):
    help = "Permanently erase a contact's personal data (a privacy request), by id or email."

    def add_arguments(self, parser):
        parser.add_argument("contact", help="Contact id or email address")
        parser.add_argument("--reason", default="privacy request", help="Recorded in the contact's history")

    def handle(self, *args, contact, reason, **options):
        query = (
            Contact.objects.filter(pk=int(contact))
            if contact.isdigit()
            else Contact.objects.filter(email=contact.strip().lower())
        )
        target = query.first()
        if target is None:
            raise CommandError(f"No contact matches {contact!r}.")
        services.contact_erase(contact=target, actor=None, reason=reason)
        self.stdout.write(f"Erased the personal data of contact #{target.pk}.")
