"""The public portal and JSON API: one ASGI app over the store's published releases (ADR 0006)."""
