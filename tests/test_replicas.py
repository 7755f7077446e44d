"""Past one machine: two app replicas behind nginx (deploy/nginx.conf, sticky by client address) share one
PostgreSQL store, so a run or an arena vote made through the balancer is seen through the other replica.

The module starts its own PostgreSQL (tests/pg_server.py), a fake OpenAI server, two replicas as subprocesses and
nginx on 127.0.0.1 (tests/nginx_server.py). Skipped without nginx or PostgreSQL binaries, unless CI is set (then it
fails): tests/run.sh installs both."""

from __future__ import annotations

import os
import re
import urllib.request
from concurrent.futures import ThreadPoolExecutor

import pytest
from gradio_client.exceptions import AppError
from gradio_client.utils import Status

from tests.appserver import REPO, AppProcess, api_client
from tests.arena_helpers import GATED, GatedOpenAIServer, wait_for
from tests.fakes.server import Behaviour
from tests.nginx_server import TEMPLATE, NginxProcess, nginx_binary
from tests.pg_server import pg_server  # noqa: F401  (fixture)
from ui.web.safety import PageOptions

PROMPT = "What is the capital of France?"
REPLY = "Every replica reads this reply from the one shared store."
REPLIES = {"gpt-4o-mini": "Paris is the capital of France.", "gpt-4o": "The capital is Paris."}
MINI, FOUR_O = "openai:gpt-4o-mini", "openai:gpt-4o"
SLOW = 180.0  # generous: two shared cores, maybe busy with other work


@pytest.fixture(scope="module")
def nginx_present():
    """Skip without Debian's nginx, except under CI (env CI set), where it is a failure."""
    if nginx_binary() is None:
        reason = "nginx not found (Debian package nginx)"
        if os.environ.get("CI"):
            pytest.fail(f"the replica tests cannot run under CI: {reason}")
        pytest.skip(reason)


@pytest.fixture(scope="module")
def fake():
    per_model = {name: Behaviour(reply=reply) for name, reply in REPLIES.items()}
    per_model[GATED] = Behaviour(reply=REPLY, tokens_per_s=50)
    with GatedOpenAIServer(Behaviour(), per_model=per_model, models=[GATED, *REPLIES]) as srv:
        yield srv


@pytest.fixture(scope="module")
def replicas(nginx_present, pg_server, fake):  # noqa: F811
    env = {
        "OPENAI_API_KEY": "sk-test-replicas",
        "OPENAI_BASE_URL": fake.url + "/v1",
        "DATABASE_URL": f"{pg_server}/postgres",
    }
    # as deploy/compose.yaml runs them: the address nginx appends keys the per-visitor limits
    apps = [AppProcess(env, PageOptions(proxy_header="X-Forwarded-For"), timeout=SLOW) for _ in range(2)]
    try:
        with ThreadPoolExecutor(len(apps)) as pool:
            list(pool.map(AppProcess.start, apps))
        yield apps
    finally:
        for app in apps:
            app.close()


@pytest.fixture(scope="module")
def balancer(replicas):
    with NginxProcess([address(app) for app in replicas]) as lb:
        yield lb


@pytest.fixture(scope="module")
def client(balancer):
    with api_client(balancer.url) as c:
        yield c


def address(app: AppProcess) -> str:
    """host:port of a replica, as nginx logs it."""
    return app.url.removeprefix("http://").rstrip("/")


def the_other(replicas, balancer) -> AppProcess:
    """The replica that did NOT serve the balancer's Gradio queue requests (joins and event streams all went to one)."""
    for part in ("/queue/join", "/queue/data"):  # a stream is logged once it ends
        wait_for(lambda part=part: balancer.upstreams(part), f"nginx to log {part}", SLOW)
    served = set(balancer.upstreams("/gradio_api/queue/"))
    assert len(served) == 1, f"Gradio's queue requests reached several replicas (not sticky): {served}"
    others = [app for app in replicas if address(app) not in served]
    assert len(others) == 1, f"the balancer sent the queue requests to {served}, not to one of the replicas"
    return others[0]


def get(url: str) -> tuple[int, str]:
    """Status and body of a plain GET (no gradio_client)."""
    with urllib.request.urlopen(url, timeout=60) as response:
        return response.status, response.read().decode()


def test_a_comparison_streams_through_nginx_and_the_other_replica_serves_its_snapshot(client, balancer, replicas, fake):
    job = client.submit(PROMPT, "", [f"openai:{GATED}"], 0.7, 64, api_name="/compare")
    wait_for(fake.waiting.is_set, "the comparison to reach the model server", SLOW)
    # The model has not answered yet, so this status came through nginx on an event stream that is still open.
    wait_for(lambda: job.status().code == Status.PROCESSING, "process_starts through nginx", SLOW)
    fake.gate.set()
    out = job.result(timeout=SLOW)
    result = out["results"][0]
    assert (result["error"], result["text"]) == (None, REPLY)
    assert out.get("store_error") is None and out["run_id"]
    assert out["snapshot_url"] == f"{balancer.url}snapshot/{out['run_id']}"  # the public address, not a replica's

    other = the_other(replicas, balancer)
    status, page = get(f"{other.url}snapshot/{out['run_id']}")
    assert status == 200 and REPLY in page and PROMPT in page
    status, page = get(out["snapshot_url"])
    assert status == 200 and REPLY in page


def test_an_arena_vote_through_nginx_counts_on_the_other_replicas_leaderboard(client, balancer, replicas):
    battle = client.predict(PROMPT, [MINI, FOUR_O], api_name="/battle")
    assert {battle["a"], battle["b"]} == set(REPLIES.values())
    shown = client.predict(battle["battle_id"], "a", api_name="/vote")
    assert shown["counted"] is True and {shown["a_model"], shown["b_model"]} == {MINI, FOUR_O}

    with api_client(the_other(replicas, balancer).url) as other:
        rows = {row["model"]: row for row in other.predict(api_name="/leaderboard")["rows"]}
        assert set(rows) == {MINI, FOUR_O}
        assert (rows[shown["a_model"]]["win_rate"], rows[shown["a_model"]]["battles"]) == (1.0, 1)
        assert rows[shown["a_model"]]["rank"] == 1
        # the one-vote rule holds across replicas: the database, not a replica's memory, closes the battle
        with pytest.raises(AppError, match="already has its vote"):
            other.predict(battle["battle_id"], "b", api_name="/vote")


def test_a_room_started_through_nginx_is_voted_on_and_revealed_through_the_other_replica(client, balancer, replicas):
    started = client.predict([MINI, FOUR_O], PROMPT, api_name="/room_start")
    code, token = started["room"], started["teacher_token"]
    assert started["link"] == f"{balancer.url}?room={code}"  # the public address, not a replica's
    voters = [f"replica-voter-{i:08d}" for i in range(3)]
    with api_client(the_other(replicas, balancer).url) as other:
        for voter, choice in zip(voters, ("a", "a", "b")):
            assert other.predict(code, voter, choice, "", api_name="/room_vote")["counted"] is True
        # the one-vote-per-voter rule holds across replicas too: the database closes it
        assert client.predict(code, voters[0], "b", "", api_name="/room_vote")["counted"] is False
        assert client.predict(code, "", api_name="/room_state")["votes"] == 3
        revealed = other.predict(code, token, api_name="/room_reveal")
    assert revealed["tallies"] == {"a": 2, "b": 1, "tie": 0, "both_bad": 0}
    state = client.predict(code, "", api_name="/room_state")
    assert state["revealed"] is True and state["tallies"] == revealed["tallies"]


def test_compose_fills_every_placeholder_of_the_nginx_template():
    import yaml  # Gradio's dependency

    services = yaml.safe_load((REPO / "deploy" / "compose.yaml").read_text())["services"]
    code = "\n".join(line for line in TEMPLATE.read_text().splitlines() if not line.lstrip().startswith("#"))
    placeholders = set(re.findall(r"\$\{(\w+)\}", code))
    nginx = services["nginx"]["environment"]
    assert placeholders == {"APP_SERVER", "NGINX_LISTEN"} and placeholders <= set(nginx)
    assert set(nginx["NGINX_ENVSUBST_FILTER"].split("|")) == placeholders
    assert nginx["APP_SERVER"].split(":")[0] in services
    app = services["app"]["environment"]
    assert "@postgres:" in app["DATABASE_URL"] and app["COMPARE_PROXY_HEADER"] == "X-Forwarded-For"
    assert app["FORWARDED_ALLOW_IPS"] == "*"  # nginx's address is not fixed: without this the header is ignored
