"""``python -m openblotter`` runs the ``blotter`` command."""

from openblotter.cli import main

main()
