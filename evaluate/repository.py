"""Evaluations in the store: the spec, then each answer and each judgement as it finishes (migration 4's tables)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import UTC, datetime

import sqlalchemy as sa
from sqlalchemy.exc import IntegrityError

from compare.result import Result
from store import Store, new_id

from .spec import EvaluationSpec

_md = sa.MetaData()
EVALUATIONS = sa.Table(
    "evaluations",
    _md,
    sa.Column("id", sa.String(64), primary_key=True),
    sa.Column("owner", sa.String(128), nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("spec", sa.Text, nullable=False),
)
ANSWERS = sa.Table(
    "evaluation_answers",
    _md,
    sa.Column("evaluation_id", sa.String(64), primary_key=True),
    sa.Column("prompt_id", sa.String(64), primary_key=True),
    sa.Column("column_id", sa.String(300), primary_key=True),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)
JUDGEMENTS = sa.Table(
    "evaluation_judgements",
    _md,
    sa.Column("evaluation_id", sa.String(64), primary_key=True),
    sa.Column("prompt_id", sa.String(64), primary_key=True),
    sa.Column("a", sa.String(300), primary_key=True),
    sa.Column("b", sa.String(300), primary_key=True),
    sa.Column("swapped", sa.Boolean, primary_key=True),
    sa.Column("verdict", sa.String(1), nullable=True),
    sa.Column("result", sa.Text, nullable=False),
    sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
)


@dataclass(frozen=True)
class Judgement:
    """One judge call: which pair on which prompt, in which order, the verdict letter and the judge's Result."""

    prompt_id: str
    a: str
    b: str
    swapped: bool
    verdict: str | None
    result: Result


@dataclass
class StoredEvaluation:
    """An evaluation as stored: its spec and whatever has finished so far."""

    id: str
    owner: str
    created_at: datetime
    spec: EvaluationSpec
    answers: dict[tuple[str, str], Result] = field(default_factory=dict)  # (prompt id, column id) -> Result
    judgements: dict[tuple[str, str, str, bool], Judgement] = field(default_factory=dict)


class EvaluationRepository:
    """Reads and writes evaluations in a Store (SQLite or PostgreSQL); answers and judgements are keyed, so a
    resumed evaluation can never store one twice."""

    def __init__(self, store: Store):
        self.store = store

    def create(self, spec: EvaluationSpec, owner: str) -> str:
        """Store a new evaluation's spec; returns its id."""
        evaluation_id = new_id()
        row = {
            "id": evaluation_id,
            "owner": owner,
            "created_at": datetime.now(UTC),
            "name": spec.prompts.name[:200],
            "spec": json.dumps(self.store.scrub(spec.to_json()), ensure_ascii=False),
        }
        with self.store.begin() as conn:
            conn.execute(EVALUATIONS.insert().values(**row))
        return evaluation_id

    def add_answer(self, evaluation_id: str, prompt_id: str, column_id: str, result: Result) -> bool:
        """Keep one finished answer (keys scrubbed); False when it was already kept."""
        row = {
            "evaluation_id": evaluation_id,
            "prompt_id": prompt_id,
            "column_id": column_id,
            "result": self._json(result),
            "created_at": datetime.now(UTC),
        }
        return self._insert(ANSWERS, row)

    def add_judgement(self, evaluation_id: str, judgement: Judgement) -> bool:
        """Keep one finished judge call; False when it was already kept."""
        row = {
            "evaluation_id": evaluation_id,
            "prompt_id": judgement.prompt_id,
            "a": judgement.a,
            "b": judgement.b,
            "swapped": judgement.swapped,
            "verdict": judgement.verdict,
            "result": self._json(judgement.result),
            "created_at": datetime.now(UTC),
        }
        return self._insert(JUDGEMENTS, row)

    def load(self, evaluation_id: str) -> StoredEvaluation | None:
        """The evaluation with this id and everything it has finished, or None."""
        with self.store.begin() as conn:
            head = conn.execute(sa.select(EVALUATIONS).where(EVALUATIONS.c.id == evaluation_id)).mappings().first()
            if head is None:
                return None
            answers = conn.execute(sa.select(ANSWERS).where(ANSWERS.c.evaluation_id == evaluation_id)).mappings().all()
            verdicts = (
                conn.execute(sa.select(JUDGEMENTS).where(JUDGEMENTS.c.evaluation_id == evaluation_id)).mappings().all()
            )
        created = head["created_at"]
        stored = StoredEvaluation(
            head["id"],
            head["owner"],
            created if created.tzinfo else created.replace(tzinfo=UTC),
            EvaluationSpec.from_json(json.loads(head["spec"])),
        )
        for r in answers:
            stored.answers[(r["prompt_id"], r["column_id"])] = Result.from_json(json.loads(r["result"]))
        for r in verdicts:
            j = Judgement(
                r["prompt_id"],
                r["a"],
                r["b"],
                bool(r["swapped"]),
                r["verdict"],
                Result.from_json(json.loads(r["result"])),
            )
            stored.judgements[(j.prompt_id, j.a, j.b, j.swapped)] = j
        return stored

    def _json(self, result: Result) -> str:
        return json.dumps(self.store.scrub(result.to_json()), ensure_ascii=False)

    def _insert(self, table: sa.Table, row: dict) -> bool:
        try:
            with self.store.begin() as conn:
                conn.execute(table.insert().values(**row))
        except IntegrityError:
            return False
        return True
