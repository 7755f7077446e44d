"""Run downloads: one private folder per app, unique names per run, old files pruned as new ones are written."""

from __future__ import annotations

import json
import os
import time

from ui.web.export import KEEP_DOWNLOADS_S, write_downloads

RECORD = {
    "started_at": "2026-11-29T18:00:00.000+00:00",
    "prompt": "Hi",
    "system_prompt": "",
    "parameters": {},
    "columns": [],
    "results": [],
}


def test_two_runs_in_one_second_get_their_own_files_and_old_files_go(tmp_path):
    stale = tmp_path / "comparison-old.json"
    stale.write_text("{}")
    old = time.time() - KEEP_DOWNLOADS_S - 60
    os.utime(stale, (old, old))
    recent = tmp_path / "comparison-recent.json"
    recent.write_text("{}")

    first = write_downloads(RECORD, tmp_path)
    second = write_downloads(RECORD, tmp_path)

    assert not stale.exists() and recent.exists()
    assert len(set(first + second)) == 4
    assert json.loads(open(first[0], encoding="utf-8").read())["prompt"] == "Hi"
    assert open(second[1], encoding="utf-8").read().startswith("# Comparison run 2026-11-29T18:00:00")


def test_downloads_stay_bounded_while_running(tmp_path, monkeypatch):
    import ui.web.export

    monkeypatch.setattr(ui.web.export, "MAX_DOWNLOADS", 6)
    written = [write_downloads(RECORD, tmp_path) for _ in range(5)]
    kept = sorted(p.name for p in tmp_path.glob("comparison-*"))
    assert len(kept) == 6  # the three newest runs, two files each
    assert {os.path.basename(p) for p in written[-1]} <= set(kept)


def test_the_app_folder_is_removed_at_exit(tmp_path):
    import subprocess
    import sys
    from pathlib import Path

    code = (
        "from providers import Settings; from ui.context import PageContext; from ui.web.safety import PageOptions\n"
        "from compare.tokens import TokenCounter; from providers import Registry\n"
        "ctx = PageContext(Registry(Settings.load(env={}, dotenv_path=None)), PageOptions(), {}, None, None)\n"
        "(ctx.downloads_dir / 'comparison-x.json').write_text('{}'); print(ctx.downloads_dir)"
    )
    done = subprocess.run(
        [sys.executable, "-c", code],
        capture_output=True,
        text=True,
        timeout=60,
        cwd=Path(__file__).resolve().parent.parent,
    )
    assert done.returncode == 0, done.stderr
    folder = Path(done.stdout.strip())
    assert folder.name.startswith("llm-compare-") and not folder.exists()
