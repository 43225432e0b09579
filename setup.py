"""Build hook only (the project is described in pyproject.toml).

The in-app help renders docs/user-guide.md. A checkout reads it in place; a wheel has no docs/ folder, so the build
copies the guide into the package as governance/help/user-guide.md (governance/help/guide.py reads that copy when the
repository is not there). docs/user-guide.md stays the one file people edit.
"""

from __future__ import annotations

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

GUIDE = Path(__file__).resolve().parent / "docs" / "user-guide.md"


class BuildPyWithGuide(build_py):
    """build_py that also ships the user guide inside the package."""

    def run(self) -> None:
        """Build the package, then copy the user guide beside governance/help/guide.py."""
        super().run()
        if GUIDE.is_file():
            target = Path(self.build_lib) / "governance" / "help" / "user-guide.md"
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(GUIDE, target)


setup(cmdclass={"build_py": BuildPyWithGuide})
