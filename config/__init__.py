"""Settings, and the default policies, cycles and calendar overrides shipped as YAML (read and checked by
``obligations.plans.file.read``)."""

from obligations.config.settings import Settings, get_settings

__all__ = ["Settings", "get_settings"]
