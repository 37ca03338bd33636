"""Business-time arithmetic for SLA targets; pure Python, no ORM (STYLE rule 12)."""
