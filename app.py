"""LLM side by side: `python app.py` serves the comparison page on http://127.0.0.1:7860 (see --help)."""
from __future__ import annotations

import sys

from ui.launch import build_from_args, launch, parse_args

if __name__ == "__main__":
    sys.exit(launch(parse_args()))
else:
    # `gradio app.py` (reload mode) and Hugging Face Spaces import this module and serve `demo`.
    demo = build_from_args(parse_args([]))
