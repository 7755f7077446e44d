"""The command line: `python -m cli` (or `python -m compare`) --list, -m ID [-m ID ...] PROMPT, and leaderboard."""
