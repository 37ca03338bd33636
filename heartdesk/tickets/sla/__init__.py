"""The SLA engine: which policy applies (matching), clocks, the sweep, and the settings pages, API and services."""
