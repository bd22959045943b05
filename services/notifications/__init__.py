"""Notifications service: inbox, e-mail and reminders driven by other services' events."""
