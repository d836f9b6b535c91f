"""The importer: a plan document (.txt, .docx) read into provisions and tasks, then drafted as a
coordinator's file for review (docs/plan-import.md)."""
