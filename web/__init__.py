"""The web app: pages, links that act from a message, exports and the JSON API (FastAPI)."""
