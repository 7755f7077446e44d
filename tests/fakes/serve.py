"""Run one fake server until killed: python -m tests.fakes.serve --protocol openai --port 0 --tokens-per-s 100."""

from __future__ import annotations

import argparse
import sys

from .anthropic_server import AnthropicServer
from .behaviour import FAULTS, Behaviour
from .ollama_server import OllamaServer
from .openai_server import OpenAIServer
from .process import serve_until_terminated

SERVERS = {"openai": (OpenAIServer, "/v1"), "anthropic": (AnthropicServer, ""), "ollama": (OllamaServer, "")}


def main(argv: list[str] | None = None) -> None:
    """Parse options, start the server, print its URL and serve until SIGINT/SIGTERM."""
    p = argparse.ArgumentParser(prog="python -m tests.fakes.serve", description=__doc__)
    p.add_argument("--protocol", choices=sorted(SERVERS), default="openai")
    p.add_argument("--host", default="127.0.0.1")
    p.add_argument("--port", type=int, default=0, help="0 picks a free port")
    p.add_argument("--tokens-per-s", type=float, default=0.0, help="chunk rate; 0 sends as fast as possible")
    p.add_argument("--first-token-delay", type=float, default=0.0, help="seconds before the first chunk")
    p.add_argument("--chunk-words", type=int, default=1)
    p.add_argument("--reply", help="text to stream (default: a ~40-word sentence)")
    p.add_argument("--repeat", type=int, default=1, help="repeat the reply N times (long streams for benchmarks)")
    p.add_argument("--echo-prompt", action="store_true", help="start each reply with the last user message")
    p.add_argument("--fault", choices=[f for f in FAULTS if f], help="answer every chat request with this fault")
    p.add_argument("--models", help="comma-separated model names; when given, other names get a 404")
    args = p.parse_args(argv)

    beh = Behaviour(
        tokens_per_s=args.tokens_per_s,
        first_token_delay_s=args.first_token_delay,
        chunk_words=args.chunk_words,
        fault=args.fault,
        echo_prompt=args.echo_prompt,
    )
    if args.reply is not None:
        beh.reply = args.reply
    beh.reply = " ".join([beh.reply] * max(args.repeat, 1))
    cls, suffix = SERVERS[args.protocol]
    models = [m.strip() for m in args.models.split(",") if m.strip()] if args.models else None
    srv = cls(beh, models=models, host=args.host, port=args.port).start()
    print(f"{args.protocol} fake server; SDK base URL: {srv.url}{suffix}", file=sys.stderr, flush=True)
    serve_until_terminated(srv.url, srv.stop)  # stdout is just the root URL, for scripts to read


if __name__ == "__main__":
    main()
