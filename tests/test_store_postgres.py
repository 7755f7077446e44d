"""The store's tests again on a real PostgreSQL server, which this module starts itself (tests/pg_server.py): a
throwaway cluster (initdb + pg_ctl, as the `postgres` user when run as root) in a temp dir on a free 127.0.0.1 port.

Skipped when no PostgreSQL binaries are installed, unless CI is set (then it fails): tests/run.sh installs Debian's
`postgresql` package on a CI machine."""

from __future__ import annotations

import pytest
import sqlalchemy as sa

from store import open_store
from tests.test_store import (  # noqa: F401  (the store's tests, collected again here on PostgreSQL)
    check_other_process,
    record,
    test_a_failing_migration_leaves_the_schema_as_it_was,
    test_an_appended_migration_runs_once_on_an_existing_database,
    test_bad_kind_and_owner_are_refused,
    test_delete_only_by_its_owner,
    test_list_is_newest_first_per_owner_and_kind,
    test_migrations_are_versioned_and_idempotent,
    test_migrations_must_be_numbered_without_gaps,
    test_save_get_and_ids_with_128_random_bits,
    test_search_by_prompt_words_and_model_ids,
    test_two_stores_migrating_at_once_apply_each_migration_once,
    test_two_stores_on_one_database_see_each_others_writes,
)


@pytest.fixture
def make_store(pg_url):
    """Stores on one fresh PostgreSQL database, configured the way the app is: DATABASE_URL (postgresql://)."""
    made = []

    def make():
        made.append(open_store({"DATABASE_URL": pg_url}))
        return made[-1]

    yield make
    for s in made:
        s.close()


def test_the_store_really_is_on_postgresql(make_store):
    store = make_store()
    store.save_run(record(), "o")
    assert store.engine.dialect.name == "postgresql" and store.engine.dialect.driver == "psycopg"
    with store.engine.connect() as conn:
        assert conn.scalar(sa.text("SELECT count(*) FROM runs")) == 1


def test_another_process_on_postgresql_sees_this_ones_runs_and_the_reverse(make_store, pg_url):
    check_other_process({"DATABASE_URL": pg_url}, make_store())
