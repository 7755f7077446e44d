"""The baseline for bench_browser.py: a bare Gradio page streaming one OpenAI-compatible reply, token by token.

    python bench/echo_app.py --base-url http://127.0.0.1:PORT/v1 [--model NAME] [--port 0]

prints the page URL on stdout once it serves, then serves until killed. Textbox #prompt, Button #run, Markdown #out.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))
os.environ.setdefault("GRADIO_ANALYTICS_ENABLED", "False")

from tests.fakes.process import free_port, serve_until_terminated  # noqa: E402


def build(base_url: str, model: str, api_key: str = "bench-key", extra_inputs: int = 0, extra_outputs: int = 0):
    """The Blocks: one prompt, one button, one Markdown fed by an async generator (no queue tuning, no extras).

    extra_inputs / extra_outputs add idle components to the event, to give a baseline of the same shape as our
    Compare tab (30 inputs, 19 outputs), which costs the browser and Gradio more per event than one in, one out.
    """
    import gradio as gr
    import openai

    client = openai.AsyncOpenAI(api_key=api_key, base_url=base_url, max_retries=0)

    async def reply(prompt: str, *_unused):
        text = ""
        stream = await client.chat.completions.create(
            model=model, stream=True, messages=[{"role": "user", "content": prompt}]
        )
        async for chunk in stream:
            if chunk.choices and chunk.choices[0].delta.content:
                text += chunk.choices[0].delta.content
                yield [text] + [""] * extra_outputs if extra_outputs else text

    with gr.Blocks(title="echo baseline") as demo:
        prompt = gr.Textbox(label="Prompt", elem_id="prompt")
        run = gr.Button("Run", elem_id="run")
        out = gr.Markdown(elem_id="out")
        inputs = [prompt] + [gr.Textbox(visible=False) for _ in range(extra_inputs)]
        outputs = [out] + [gr.Markdown(visible=i < 7) for i in range(extra_outputs)]
        run.click(reply, inputs if extra_inputs else prompt, outputs if extra_outputs else out)
    return demo


def main(argv: list[str] | None = None) -> None:
    """Serve the echo baseline until killed."""
    p = argparse.ArgumentParser(prog="python bench/echo_app.py", description=__doc__.splitlines()[0])
    p.add_argument("--base-url", required=True, help="OpenAI-compatible base URL, e.g. http://127.0.0.1:PORT/v1")
    p.add_argument("--model", default="gpt-fake")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--extra-inputs", type=int, default=0)
    p.add_argument("--extra-outputs", type=int, default=0)
    args = p.parse_args(argv)
    port = args.port or free_port()
    demo = build(args.base_url, args.model, extra_inputs=args.extra_inputs, extra_outputs=args.extra_outputs)
    demo.queue()
    demo.launch(server_name="127.0.0.1", server_port=port, prevent_thread_lock=True, quiet=True)
    serve_until_terminated(f"http://127.0.0.1:{port}/", demo.close)


if __name__ == "__main__":
    main()
