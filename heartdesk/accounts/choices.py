from django.db import models


class Role(models.TextChoices):
    AGENT = "agent", "Agent (level 1)"
    SPECIALIST = "specialist", "Specialist (level 2)"
    ENGINEER = "engineer", "Engineer (level 3)"
    ACCOUNT_MANAGER = "account_manager", "Account manager"
    SUPPORT_MANAGER = "support_manager", "Support manager"
    EXECUTIVE = "executive", "Executive"
    ADMIN = "admin", "Administrator"
