from heartdesk.accounts import policy


def navigation(request):
    """The navigation shows only what exists and what this user may open."""
    user = getattr(request, "user", None)
    if not user or not user.is_authenticated:
        return {"nav_items": []}
    items = [("tickets:queue", "Tickets", policy.can(user, policy.TICKETS_VIEW))]
    items.append(("customers:list", "Customers", policy.can(user, policy.CUSTOMERS_VIEW)))
    items.append(("surveys_staff:results", "Surveys", policy.can(user, policy.SURVEYS_VIEW)))
    items.append(("reporting:dashboard", "Dashboard", policy.can(user, policy.METRICS_VIEW)))
    # A team's manager without that permission opens their team's reports from the emailed links.
    items.append(("reports:index", "Reports", policy.can(user, policy.METRICS_VIEW)))
    items.append(("customers:import_start", "Import", policy.can(user, policy.CUSTOMERS_IMPORT)))
    items.append(("customers:settings", "Segments & tiers", policy.can(user, policy.CATALOG_MANAGE)))
    items.append(("accounts:people", "People & teams", policy.can(user, policy.PEOPLE_VIEW)))
    items.append(("sla:policies", "SLA & rules", policy.can(user, policy.SLA_MANAGE)))
    items.append(("webhooks:list", "Webhooks", policy.can(user, policy.WEBHOOKS_MANAGE)))
    items.append(("accounts:tokens", "API tokens", True))
    return {"nav_items": [(name, label) for name, label, allowed in items if allowed]}
