"""Run downloads: one private folder per app, unique names per run, old files pruned as new ones are written."""
from __future__ import annotations

import json
import os
import time

from ui.export import KEEP_DOWNLOADS_S, write_downloads

RECORD = {"started_at": "2026-11-29T18:00:00.000+00:00", "prompt": "Hi", "system_prompt": "", "parameters": {},
          "columns": [], "results": []}


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
