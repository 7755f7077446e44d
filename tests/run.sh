#!/usr/bin/env bash
# Install everything the test suite needs (Python packages, Debian's Chromium for the browser tests and its PostgreSQL
# for the store tests), then run it.
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
python -m pip install -q -r requirements-dev.txt
python -m pytest "$@"
