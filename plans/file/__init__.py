"""The coordinator's file: its schema, the reader that names the line of every problem, and applying
a checked file to the database. The same reader and models check config/defaults.yaml and calendar.yaml."""
