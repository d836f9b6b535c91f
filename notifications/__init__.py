"""Sending: apprise and the plugins this project ships, templates, the outbox dispatcher."""

from apprise.manager_plugins import NotificationManager

from notifications.maildir import NotifyMaildir


def register_plugins() -> None:
    """Make the project's URL schemes known to apprise (idempotent; the manager is a singleton)."""
    manager = NotificationManager()
    if NotifyMaildir.protocol not in manager:
        manager.add(NotifyMaildir)


register_plugins()
