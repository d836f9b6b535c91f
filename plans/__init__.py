"""Plan documents: the coordinator's YAML file (read, validate, apply) and, later, the plan importer."""
