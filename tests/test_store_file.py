"""A SQLite store whose file is deleted or replaced under a running app: a run is reported saved only when it is in the
file the next start will read; otherwise the API says it was not saved, and the replies stay."""

from __future__ import annotations

import shutil

import pytest
import sqlalchemy as sa

from store import RUNS, DatabaseFileError, open_store
from tests.appserver import AppServer, api_client
from tests.fakes.openai_server import OpenAIServer
from tests.fakes.server import Behaviour
from tests.test_store import record


def test_after_the_folder_is_deleted_a_run_is_saved_where_the_next_start_reads(tmp_path):
    path = tmp_path / "data" / "compare.db"
    running = open_store({"COMPARE_DB": str(path)})
    before = running.save_run(record(prompt="before"), "o")
    shutil.rmtree(path.parent)  # the pool's connection still has the old file open: writes there would be lost
    after = running.save_run(record(prompt="after"), "o")
    assert [r.id for r in running.list_runs("o")] == [after]
    next_start = open_store({"COMPARE_DB": str(path)})
    assert next_start.get_run(before) is None  # gone with the folder, as a restart would also find
    assert next_start.get_run(after).record["prompt"] == "after"
    running.close()
    next_start.close()


def test_a_replaced_file_is_the_one_written(tmp_path):
    path, other = tmp_path / "compare.db", tmp_path / "restored.db"
    running = open_store({"COMPARE_DB": str(path)})
    running.save_run(record(prompt="old"), "o")
    elsewhere = open_store({"COMPARE_DB": str(other)})
    kept = elsewhere.save_run(record(prompt="from a backup"), "o")
    elsewhere.close()
    for suffix in ("", "-wal", "-shm"):  # e.g. a backup restored over the live file
        target = tmp_path / f"compare.db{suffix}"
        target.unlink(missing_ok=True)
        if (tmp_path / f"restored.db{suffix}").exists():
            shutil.copy(tmp_path / f"restored.db{suffix}", target)
    new = running.save_run(record(prompt="new"), "o")
    next_start = open_store({"COMPARE_DB": str(path)})
    assert {r.id for r in next_start.list_runs("o")} == {kept, new}
    running.close()
    next_start.close()


def test_a_write_whose_file_leaves_while_it_runs_is_not_reported_saved(tmp_path):
    path = tmp_path / "data" / "compare.db"
    running = open_store({"COMPARE_DB": str(path)})
    running.save_run(record(), "o")
    row = {
        "id": "x" * 22,
        "owner": "o",
        "kind": "compare",
        "prompt": "",
        "system_prompt": "",
        "models": "",
        "record": "{}",
    }
    with pytest.raises(DatabaseFileError, match="deleted or replaced while writing"):
        with running.begin() as conn:
            conn.execute(RUNS.insert().values(created_at=sa.func.now(), **row))
            shutil.rmtree(path.parent)  # between the check before the write and the commit
    assert open_store({"COMPARE_DB": str(path)}).get_run("x" * 22) is None


def test_the_api_says_not_saved_when_the_file_cannot_be_made_again(tmp_path):
    folder = tmp_path / "data"
    with OpenAIServer(Behaviour(reply="still here")) as fake:
        env = {
            "OPENAI_API_KEY": "sk-test-file",
            "OPENAI_BASE_URL": fake.url + "/v1",
            "COMPARE_DB": str(folder / "c.db"),
        }
        with AppServer(env) as app, api_client(app.url) as client:
            saved = client.predict("Hi", "", ["openai:fast"], 0.7, 16, api_name="/compare")
            assert saved["run_id"] and "store_error" not in saved
            shutil.rmtree(folder)
            folder.write_text("a file where the database folder was: the store cannot make its file again")
            lost = client.predict("Hi", "", ["openai:fast"], 0.7, 16, api_name="/compare")
    assert lost["results"][0]["text"] == "still here"
    assert lost["run_id"] is None and lost["snapshot_url"] is None
    assert (
        lost["store_error"].startswith("DatabaseFileError: the database file")
        and "deleted or replaced" in lost["store_error"]
    )
