"""The comparison engine: one run request, the fan-out runner, metrics, token counting (no UI imports)."""

from .column_stream import Column, Event
from .request import ColumnSpec, Limits, RequestCheck, RunRequest, build_request, make_messages
from .result import Result
from .runner import Comparison

__all__ = [
    "Column",
    "ColumnSpec",
    "Comparison",
    "Event",
    "Limits",
    "RequestCheck",
    "Result",
    "RunRequest",
    "build_request",
    "make_messages",
]
