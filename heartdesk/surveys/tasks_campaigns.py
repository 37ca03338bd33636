"""Campaign jobs: thin and idempotent (campaigns and invitations are claimed by conditional UPDATEs)."""

from django_tasks import task

from heartdesk.surveys import campaigns


@task()
def campaign_send_due() -> int:
    return campaigns.campaign_send_due()


@task()
def campaign_remind_due() -> int:
    return campaigns.campaign_remind_due()
