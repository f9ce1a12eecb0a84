"""`python -m accord`: the same as the `accord` command (how `accord serve` starts its worker)."""

import sys

from accord.cli import main

sys.exit(main())
