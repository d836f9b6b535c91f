"""Sending: apprise and the plugins this project ships, templates, the outbox dispatcher."""

from apprise.manager_plugins import NotificationManager

from obligations.notifications import message_id
from obligations.notifications.maildir import NotifyMaildir
from obligations.notifications.zalo_oa import NotifyZaloOA
from obligations.notifications.zns import NotifyZNS


def register_plugins() -> None:
    """Make the project's URL schemes known to apprise (idempotent; the manager is a singleton)."""
    manager = NotificationManager()
    if NotifyMaildir.protocol not in manager:
        manager.add(NotifyMaildir)
    for plugin in (NotifyZaloOA, NotifyZNS):
        if plugin.protocol not in manager:
            manager.add(plugin)
    message_id.install()


register_plugins()
