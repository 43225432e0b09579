"""``python -m governance`` runs the ``governance`` command."""

from governance.cli import run_cli

run_cli()
