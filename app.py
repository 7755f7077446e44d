"""LLM side by side: `python app.py` serves the comparison page on http://127.0.0.1:7860 (see --help)."""

from ui.launch import build_or_exit, checked_auth, launch
from ui.web.flags import parse_args

# `python app.py`, `gradio app.py` (reload mode) and Hugging Face Spaces all find the page as `demo` here.
if __name__ == "__main__":
    args = parse_args()
    auth = checked_auth(args)  # bad flags fail before the (slower) build
    demo = build_or_exit(args)
    launch(demo, args, auth)
else:
    demo = build_or_exit(parse_args([]))
    demo.ctx.prewarm_in_background()
