#!/usr/bin/env bash
# Install everything the test suite needs (Python packages, Debian's Chromium for the browser tests, its PostgreSQL
# for the store tests and its nginx for the replica test), then run it.
set -euo pipefail
cd "$(dirname "$0")/.."
if ! command -v chromium >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
    else
        echo "Chromium not found and cannot be installed here: browser tests will be skipped (they never skip in CI)." >&2
    fi
fi
# PostgreSQL for tests/test_store_postgres.py (the test starts its own throwaway server from these binaries).
if ! command -v initdb >/dev/null 2>&1 && ! ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq postgresql >/dev/null
    else
        echo "PostgreSQL not found and cannot be installed here: its store tests will be skipped (they never skip in CI)." >&2
    fi
fi
# nginx for tests/test_replicas.py (the test runs its own nginx from this binary on a free port). The package would
# start a system nginx on port 80: a policy-rc.d answering 101 ("do not start"), as Docker images have, prevents that.
if ! command -v nginx >/dev/null 2>&1 && [ ! -x /usr/sbin/nginx ]; then
    if [ "$(id -u)" = 0 ] && command -v apt-get >/dev/null 2>&1; then
        policy=""
        if [ ! -e /usr/sbin/policy-rc.d ]; then
            printf '#!/bin/sh\nexit 101\n' >/usr/sbin/policy-rc.d && chmod 755 /usr/sbin/policy-rc.d && policy=added
        fi
        status=0
        apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nginx >/dev/null || status=$?
        [ "$policy" != added ] || rm -f /usr/sbin/policy-rc.d
        [ "$status" = 0 ] || exit "$status"
    else
        echo "nginx not found and cannot be installed here: the replica tests will be skipped (they never skip in CI)." >&2
    fi
fi
python -m pip install -q -r requirements-dev.txt
# Style and types first (pyproject.toml says which files): a failure here stops the run before the tests.
python -m ruff check .
python -m ruff format --check .
python -m mypy
python -m pytest "$@"
