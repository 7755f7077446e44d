"""`python -m cli ...`: the same command line as `python -m compare ...`."""

import sys

from .main import main

sys.exit(main())
