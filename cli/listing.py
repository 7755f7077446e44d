"""`--list`: every model id, whether it is available and why not, and what local models run on."""

from __future__ import annotations

import subprocess

from providers import Registry


async def list_models(registry: Registry) -> int:
    """Print discovery results as a table."""
    found = await registry.discover()
    width = max(len(m.id) for m in found)
    for m in found:
        why = "; ".join(filter(None, (m.note, m.price_note))) if m.available else (m.reason or "")
        print(f"{m.id.ljust(width)}  {'available' if m.available else 'unavailable'}{'  ' + why if why else ''}")
    if any(m.embedded and m.available for m in found):
        print("local models run on: " + local_engine_line())
    return 0


def local_engine_line() -> str:
    """The embedded engine's versions, CPU features in use and AMX guard, on one line."""
    from providers.local.process import describe_engine

    try:
        return "; ".join(f"{k} {v}" for k, v in describe_engine().items())
    except (OSError, ValueError, subprocess.TimeoutExpired) as exc:
        return f"(unknown: {exc})"
