"""Plans: the coordinator's YAML file (``plans.file``: schema, reading with lines, applying) and the
importer of plan documents (``plans.importer``: .txt and .docx read into a draft of that file)."""
