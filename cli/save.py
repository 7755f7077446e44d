"""`--save`: the run as the page and the API record it, kept in the store, and its id and snapshot path printed."""

from __future__ import annotations

import json
import sys

from providers import Settings


def save_and_report(settings: Settings, record: dict, as_json: bool) -> int:
    """Save the run under COMPARE_OWNER (or a new owner token) and print its id; 1 when the store failed."""
    from store import new_owner_token, open_store, valid_owner_token

    given = settings.get("COMPARE_OWNER")
    owner = given if given is not None and valid_owner_token(given) else new_owner_token()
    try:
        store = open_store(settings.env, settings.redact, settings.secret_values())
        run_id = store.save_run(record, owner)
        store.close()
    except Exception as exc:  # the replies are printed already; say why they were not kept
        reason = f"{type(exc).__name__}: {str(exc).strip().splitlines()[0][:200] if str(exc).strip() else ''}"
        if as_json:
            print(json.dumps({"run_id": None, "store_error": reason}), flush=True)
        print(f"error: the run was not saved ({reason})", file=sys.stderr)
        return 1
    path = f"/snapshot/{run_id}"
    if as_json:
        print(json.dumps({"run_id": run_id, "snapshot_path": path, "owner_token": owner}), flush=True)
    else:
        print(
            f"\nSaved as run {run_id}: {path} on the app using this store "
            f"(delete it with DELETE {path} and the header X-Owner-Token: {owner})."
        )
    return 0
