"""governance: outsourcing, external-service and social-media governance for Japanese municipalities."""

import os

__version__ = "0.1.0"

# Piccolo finds its engine through the module named by PICCOLO_CONF; point it into the package so that the app,
# the CLI and migrations work from any working directory, not only the repository root.
os.environ.setdefault("PICCOLO_CONF", "governance.piccolo_conf")
