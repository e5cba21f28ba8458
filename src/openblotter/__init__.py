"""OpenBlotter: make police data public, safe and useful.

The curated public API; everything else is reached through its subpackage.
"""

from openblotter.errors import BlotterError
from openblotter.schema import STANDARD_VERSION, load_standard
from openblotter.settings import Settings
from openblotter.storage import open_store

__all__ = [
    "STANDARD_VERSION",
    "BlotterError",
    "Settings",
    "__version__",
    "load_standard",
    "open_store",
]

__version__ = "0.1.0"
