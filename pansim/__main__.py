"""Entry point for ``python -m pansim``."""

import sys

from pansim.cli import main

sys.exit(main())
