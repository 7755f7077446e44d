"""`python -m compare ...` runs the command line, which lives in the top-level package `cli`."""

import sys

from cli.main import main

if __name__ == "__main__":
    sys.exit(main())
