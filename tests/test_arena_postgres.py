"""The arena's database-facing tests again on a real PostgreSQL server (started by tests/pg_server.py's fixtures;
skipped without PostgreSQL binaries unless CI is set)."""

from __future__ import annotations

import pytest

from tests.test_arena_service import (  # noqa: F401  (its fixtures, and its tests collected again on PostgreSQL)
    fake,
    make_arena,
    test_cli_leaderboard_reads_the_same_store,
    test_date_filter_and_fastchat_shaped_export,
    test_one_vote_per_battle_is_enforced_by_the_database,
    test_vote_cap_per_visitor_per_hour,
)
from tests.test_room_service import (  # noqa: F401  (rooms across replicas live in the database: again on PostgreSQL)
    test_a_reveal_racing_the_class_counts_exactly_the_votes_that_got_in,
    test_a_room_expires_after_its_last_battle,
    test_only_one_next_battle_wins_a_race,
    test_the_export_flags_a_voter_who_always_picks_one_side_and_weights_repeated_prompts,
)


@pytest.fixture
def db_env(pg_url) -> dict:
    """The store on a fresh PostgreSQL database, configured as the app reads it."""
    return {"DATABASE_URL": pg_url}


def test_the_arena_really_is_on_postgresql(make_arena):  # noqa: F811  (make_arena: the fixture imported above)
    arena = make_arena()
    assert arena.repository.store.engine.dialect.name == "postgresql"
