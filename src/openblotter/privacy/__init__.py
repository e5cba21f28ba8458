"""Privacy: how fields leave the store. Generalisations now; de-identification and release next."""

from openblotter.privacy.generalize import (
    GENERALIZERS,
    age_band,
    block_address,
    date_month,
    generalize,
    round_coordinates,
    time_hour,
)

__all__ = [
    "GENERALIZERS",
    "age_band",
    "block_address",
    "date_month",
    "generalize",
    "round_coordinates",
    "time_hour",
]
