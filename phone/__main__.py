"""`python -m phone NUMBER --server HOST:PORT [--user U] [--script S] [--record F] [--json]`."""

import sys

from .cli import main

sys.exit(main())
