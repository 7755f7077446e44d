"""Prompt sets: one prompt per row of a JSONL or CSV file, with optional id, system, category and reference."""

from __future__ import annotations

import csv
import io
import json
from dataclasses import dataclass
from pathlib import Path

from compare.validate import InputError

SETS_DIR = Path(__file__).resolve().parent.parent / "prompts" / "sets"
FIELDS = ("id", "prompt", "system", "category", "reference")
MAX_ID_CHARS = 64


@dataclass(frozen=True)
class PromptRow:
    """One prompt of a set: its id (the row number unless the file names one), the prompt, and its extras."""

    id: str
    prompt: str
    system: str = ""
    category: str = ""
    reference: str = ""  # a reference answer the judge may see

    def to_json(self) -> dict:
        """The row as the store and the JSON lines keep it."""
        return {
            "id": self.id,
            "prompt": self.prompt,
            "system": self.system,
            "category": self.category,
            "reference": self.reference,
        }


@dataclass(frozen=True)
class PromptSet:
    """A named list of prompt rows."""

    name: str
    rows: tuple[PromptRow, ...]

    @property
    def categories(self) -> list[str]:
        """The categories the rows name, in first-seen order."""
        return list(dict.fromkeys(r.category for r in self.rows if r.category))


def shipped_sets() -> dict[str, Path]:
    """The sets in prompts/sets by name (file name without extension)."""
    return {p.stem: p for p in sorted(SETS_DIR.glob("*")) if p.suffix in (".jsonl", ".csv")}


def load_prompt_set(path: str | Path, max_rows: int | None = None, max_chars: int | None = None) -> PromptSet:
    """A set from a file (a shipped set's name also works); InputError naming the file and row otherwise."""
    path = shipped_sets().get(str(path), Path(path))
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise InputError(f"Cannot read the prompt set {path.name}: {exc.strerror or exc}.") from None
    return parse_prompt_set(data, path.name, max_rows, max_chars)


def parse_prompt_set(data: bytes, name: str, max_rows: int | None = None, max_chars: int | None = None) -> PromptSet:
    """Rows from JSONL (one object a line) or CSV (a header row naming the columns), checked row by row."""
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise InputError(f"{name}: not UTF-8 text (line {line} has the byte 0x{data[exc.start]:02x}).") from None
    kind = "csv" if name.lower().endswith(".csv") else "jsonl" if name.lower().endswith(".jsonl") else _sniff(text)
    raw = _csv_rows(text, name) if kind == "csv" else _jsonl_rows(text, name)
    if not raw:
        raise InputError(
            f"{name}: no prompts (expected one {'row' if kind == 'csv' else 'JSON object per line'} each)."
        )
    if max_rows is not None and len(raw) > max_rows:
        raise InputError(f"{name} has {len(raw)} prompts; this demo allows at most {max_rows} per evaluation.")
    rows: list[PromptRow] = []
    seen: set[str] = set()
    for where, fields in raw:
        row = _row(where, fields, len(rows) + 1, max_chars)
        if row.id in seen:
            raise InputError(f"{where}: id {row.id!r} is used twice; ids must be unique.")
        seen.add(row.id)
        rows.append(row)
    return PromptSet(Path(name).stem, tuple(rows))


def _sniff(text: str) -> str:
    return "jsonl" if text.lstrip().startswith("{") else "csv"


def _jsonl_rows(text: str, name: str) -> list[tuple[str, dict]]:
    out = []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        where = f"{name}, line {number}"
        try:
            value = json.loads(line)
        except json.JSONDecodeError as exc:
            raise InputError(f"{where}: not valid JSON ({exc.msg}).") from None
        if not isinstance(value, dict):
            raise InputError(f'{where}: expected a JSON object such as {{"prompt": "..."}}.')
        out.append((where, value))
    return out


def _csv_rows(text: str, name: str) -> list[tuple[str, dict]]:
    reader = csv.DictReader(io.StringIO(text))
    header = [h.strip() for h in reader.fieldnames or []]
    if "prompt" not in header:
        raise InputError(f"{name}: the first row must name the columns, one of them 'prompt' (got {header!r}).")
    out = []
    try:
        for fields in reader:
            where = f"{name}, row {reader.line_num}"
            if None in fields:
                raise InputError(f"{where}: more values than the header has columns.")
            out.append((where, {k.strip(): v for k, v in fields.items() if k is not None}))
    except csv.Error as exc:
        raise InputError(f"{name}, row {reader.line_num}: not valid CSV ({exc}).") from None
    return [(where, fields) for where, fields in out if any((v or "").strip() for v in fields.values())]


def _row(where: str, fields: dict, number: int, max_chars: int | None) -> PromptRow:
    unknown = sorted(set(fields) - set(FIELDS))
    if unknown:
        raise InputError(f"{where}: unknown column {', '.join(map(repr, unknown))} (known: {', '.join(FIELDS)}).")
    values = {}
    for key in FIELDS:
        value = fields.get(key)
        if value is None:
            value = ""
        if not isinstance(value, str):
            value = str(value) if key == "id" and isinstance(value, int) and not isinstance(value, bool) else None
            if value is None:
                raise InputError(f"{where}: {key!r} must be text.")
        values[key] = value
    if not values["prompt"].strip():
        raise InputError(f"{where}: the prompt is empty.")
    for key in ("prompt", "system", "reference"):
        if max_chars is not None and len(values[key]) > max_chars:
            raise InputError(f"{where}: the {key} is {len(values[key]):,} characters; at most {max_chars:,} allowed.")
    row_id = values["id"].strip() or str(number)
    if len(row_id) > MAX_ID_CHARS:
        raise InputError(f"{where}: the id is longer than {MAX_ID_CHARS} characters.")
    return PromptRow(row_id, values["prompt"], values["system"], values["category"].strip(), values["reference"])
