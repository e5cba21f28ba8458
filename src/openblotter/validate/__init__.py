"""Validation of records against the standard: issues with stable codes, and reports."""

__all__: list[str] = []
