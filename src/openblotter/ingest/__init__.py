"""Read agency files, map them to the standard, validate them and load them as batches."""

__all__: list[str] = []
