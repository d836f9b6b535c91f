"""Settings and the default policies, cycles and calendar overrides shipped as YAML."""

from obligations.config.settings import Settings, get_settings, load_yaml_defaults

__all__ = ["Settings", "get_settings", "load_yaml_defaults"]
