"""Notifications: ``from notifications.services import notify``."""
