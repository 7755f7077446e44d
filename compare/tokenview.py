"""The "Tokens" tab: split text with a real tokenizer and show every token, its id and the counts."""

from __future__ import annotations

import html
import json
from dataclasses import dataclass
from pathlib import Path

from .tokens import load_encoding

TOKENIZERS = ("o200k_base", "cl100k_base")
EXAMPLES_PATH = Path(__file__).resolve().parent.parent / "prompts" / "token_examples.json"
MAX_TEXT_CHARS = 200_000  # beyond this the page, not the tokenizer, becomes the bottleneck
CHARS_PER_TOKEN = 4.0  # OpenAI's rule of thumb for English text
WORDS_PER_TOKEN = 0.75
COLOURS = ("#fde2e4", "#e2ece9", "#dfe7fd", "#fff1c1", "#e9d8fd")
SUMMARY_HEADERS = [
    "tokenizer",
    "tokens",
    "characters",
    "words",
    "chars/token",
    "words/token",
    "rule of thumb ~tokens (chars/4)",
    "note",
]
TABLE_HEADERS = ["#", "id", "token"]
_STYLE = (
    "<style>.token-view{font-family:ui-monospace,monospace;line-height:1.8;overflow-wrap:anywhere}"
    ".token-view span{border-radius:3px;padding:0 1px}</style>"
)
_VISIBLE = str.maketrans({" ": "·", "\t": "⇥", "\r": "␍"})


@dataclass(frozen=True)
class TokenizedText:
    """One text split by one tokenizer; pieces join back to the text, token_bytes are each token's exact bytes."""

    tokenizer: str
    ids: list[int]
    pieces: list[str]
    token_bytes: list[bytes]
    count: int
    chars: int
    words: int
    chars_per_token: float
    words_per_token: float
    note: str

    def is_partial(self, index: int) -> bool:
        """Whether this token is only part of a UTF-8 character (e.g. one byte of an emoji)."""
        try:
            self.token_bytes[index].decode("utf-8")
        except UnicodeDecodeError:
            return True
        return False

    def label(self, index: int) -> str:
        """The token's own text, with bytes that are not whole characters shown as \\xNN."""
        return self.token_bytes[index].decode("utf-8", "backslashreplace")


def available_tokenizers(registry=None) -> list[str]:
    """The tiktoken encodings plus every model id with a tokenizer of its own (local:<name> whose GGUF file exists)."""
    return list(TOKENIZERS) + (registry.tokenizer_ids() if registry is not None else [])


def requested_encodings(encodings, registry=None) -> list[str]:
    """The encodings a tokenize call asks for: a list of names, one name, or none (null or empty) for every one."""
    if not encodings:
        return available_tokenizers(registry)
    if isinstance(encodings, str):
        return [encodings]
    if isinstance(encodings, list):
        return encodings
    got = type(encodings).__name__
    raise ValueError(
        f"encodings must be a list of tokenizer names, one name, or null for all of them (got {got}); "
        f"valid tokenizers: {', '.join(available_tokenizers(registry))}"
    )


def _check_name(name: str, registry) -> None:
    valid = available_tokenizers(registry)
    if name not in valid:
        raise ValueError(f"unknown tokenizer {name!r}; valid tokenizers: {', '.join(valid)}")


def _tiktoken_split(text: str, name: str) -> tuple[list[int], list[bytes], str]:
    encoding, note = load_encoding(name)
    ids = encoding.encode(text, disallowed_special=())
    return ids, encoding.decode_tokens_bytes(ids), note or ""


def _own_split(text: str, model_id: str, registry) -> tuple[list[int], list[bytes], str]:
    ids, token_bytes = registry.tokenizer(model_id).split(text)
    return ids, token_bytes, ""


def _is_continuation(byte: int) -> bool:
    return 0x80 <= byte <= 0xBF


def _aligned_pieces(token_bytes: list[bytes]) -> list[str]:
    """Decode each token's bytes, giving a character split across tokens to the token holding its first byte."""
    data = b"".join(token_bytes)
    pieces, start = [], 0
    for chunk in token_bytes:
        end = start + len(chunk)
        lo, hi = start, end
        while lo < end and _is_continuation(data[lo]):
            lo += 1
        while hi < len(data) and _is_continuation(data[hi]):
            hi += 1
        pieces.append(data[lo:hi].decode("utf-8", "replace") if lo < end else "")
        start = end
    return pieces


def tokenize(text: str, tokenizer_name: str, registry=None) -> TokenizedText:
    """Split text with a tiktoken encoding or a local model's own tokenizer."""
    _check_name(tokenizer_name, registry)
    if tokenizer_name not in TOKENIZERS:  # a model's own tokenizer (checked above)
        ids, token_bytes, note = _own_split(text, tokenizer_name, registry)
    else:
        ids, token_bytes, note = _tiktoken_split(text, tokenizer_name)
    count, chars, words = len(ids), len(text), len(text.split())
    return TokenizedText(
        tokenizer_name,
        list(ids),
        _aligned_pieces(token_bytes),
        token_bytes,
        count,
        chars,
        words,
        round(chars / count, 2) if count else 0.0,
        round(words / count, 2) if count else 0.0,
        note,
    )


def _span(tokenized: TokenizedText, index: int) -> str:
    token_id = tokenized.ids[index]
    style = f"background:{COLOURS[index % len(COLOURS)]}"
    title = f"id {token_id}"
    if tokenized.is_partial(index):
        style += ";font-style:italic;color:#555"
        title += f" · bytes {tokenized.token_bytes[index].hex(' ')} (part of a character)"
    text = html.escape(tokenized.label(index).translate(_VISIBLE))
    text = text.replace("\n", "↵<br>")
    return f'<span style="{style}" title="{html.escape(title)}">{text}</span>'


def render_html(tokenized: TokenizedText, max_tokens: int = 2000) -> str:
    """Coloured spans, one per token (hover for its id), for at most max_tokens tokens."""
    shown = min(tokenized.count, max_tokens)
    body = "".join(_span(tokenized, i) for i in range(shown))
    footer = ""
    if shown < tokenized.count:
        footer = f'<div style="margin-top:.5em;color:#666">showing first {shown:,} of {tokenized.count:,} tokens</div>'
    return f'{_STYLE}<div class="token-view">{body}</div>{footer}'


def summary_rows(tokenized: list[TokenizedText]) -> list[list]:
    """One row per tokenizer (see SUMMARY_HEADERS), with the chars/4 rule-of-thumb estimate to compare."""
    return [
        [
            t.tokenizer,
            t.count,
            t.chars,
            t.words,
            t.chars_per_token,
            t.words_per_token,
            round(t.chars / CHARS_PER_TOKEN),
            t.note,
        ]
        for t in tokenized
    ]


def token_table(tokenized: TokenizedText, limit: int = 500) -> list[list]:
    """Rows [index, id, repr of the token] for the first limit tokens; partial characters show as b'...'."""
    rows = []
    for i in range(min(tokenized.count, limit)):
        shown = tokenized.token_bytes[i] if tokenized.is_partial(i) else tokenized.label(i)
        rows.append([i, tokenized.ids[i], repr(shown)])
    return rows


def tokenize_api(text: str, encodings: list[str], registry=None) -> dict:
    """{name: {ids, tokens (join back to text), labels (each token's own text), count, note}} for the API."""
    if isinstance(encodings, str):
        encodings = [encodings]
    for name in encodings:
        _check_name(name, registry)
    out = {}
    for name in encodings:
        t = tokenize(text or "", name, registry)
        out[name] = {
            "ids": t.ids,
            "tokens": t.pieces,
            "labels": [t.label(i) for i in range(t.count)],
            "count": t.count,
            "note": t.note,
        }
    return out


def load_examples(path: Path | str = EXAMPLES_PATH) -> list[dict]:
    """The classic tokenization examples: a list of {name, text, lesson}."""
    path = Path(path)
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise ValueError(f"cannot read token examples {path}: {exc.strerror}") from None
    except json.JSONDecodeError as exc:
        raise ValueError(f"{path} is not valid JSON: {exc}") from None
    if not isinstance(data, list):
        raise ValueError(f"{path} should hold a list of {{name, text, lesson}} objects")
    for i, row in enumerate(data):
        if not isinstance(row, dict) or not all(isinstance(row.get(k), str) for k in ("name", "text", "lesson")):
            raise ValueError(f"{path}: entry {i + 1} needs string fields 'name', 'text' and 'lesson'")
    return data
