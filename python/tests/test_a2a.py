"""A2A through the Python package, against the reference server: a2a-sdk[http-server]==1.3.0
(interop/a2a-python, installed by its install.sh), started here on loopback next to the emulator
whose tokens it checks. Skipped when the peer is not installed, unless AGENTICSTAR_REQUIRE_INTEROP."""

from __future__ import annotations

import asyncio
import json
import os
import subprocess
import time
import urllib.request
from typing import Any, Dict, Iterator, List

import pytest
from conftest import REPO, Emulator

import agenticstar as a

PEER_DIR = REPO / "interop" / "a2a-python"
PEER_PYTHON = PEER_DIR / ".venv" / "bin" / "python"
VECTOR = REPO / "testdata" / "a2a_exchange.json"


class Peer:
    def __init__(self, issuer: str, word_delay_ms: int) -> None:
        self.proc = subprocess.Popen(
            [str(PEER_PYTHON), "server.py", "--issuer", issuer, "--port", "0", "--tenant", "t1", "--word-delay-ms", str(word_delay_ms)],
            cwd=PEER_DIR,
            stdout=subprocess.PIPE,
            text=True,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline().strip()
        assert line.startswith("LISTENING "), line
        self.url = line.split(" ", 1)[1]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)

    def get(self, path: str) -> Any:
        with urllib.request.urlopen(self.url + path, timeout=10) as r:
            return json.loads(r.read())

    def requests(self) -> List[Dict[str, Any]]:
        return self.get("/_test/requests")  # type: ignore[no-any-return]

    def reset(self) -> None:
        urllib.request.urlopen(urllib.request.Request(self.url + "/_test/reset", method="POST"), timeout=10).read()


@pytest.fixture(scope="module")
def peer(emu_process: Emulator) -> Iterator[Peer]:
    if not PEER_PYTHON.exists():
        if os.environ.get("AGENTICSTAR_REQUIRE_INTEROP"):
            pytest.fail("interop/a2a-python is not installed (bash interop/a2a-python/install.sh)")
        pytest.skip("run bash interop/a2a-python/install.sh")
    p = Peer(emu_process.url, 40)
    yield p
    p.stop()


@pytest.fixture
def agent_kwargs(emu: Emulator, peer: Peer) -> Dict[str, Any]:
    peer.reset()
    return emu.kwargs(client_id="saas-agent-client", client_secret="saas-agent-secret")


def test_card_requirement_and_scope_checked_before_any_call(emu: Emulator, peer: Peer, agent_kwargs: Dict[str, Any]) -> None:
    agent = a.A2aClient.from_card(a.Client(**agent_kwargs), peer.url)
    info = agent.card()
    assert info["card"]["name"] == "Echo agent"
    assert info["requirement"] == {"schemes": ["bearer"], "scopes": ["a2a:all"]}
    assert info["interface"]["url"] == peer.url + "/a2a" and info["interface"]["tenant"] == "t1"
    assert "extended card" in agent.extended_card()["description"]

    peer.reset()
    with pytest.raises(a.InsufficientScopeError) as e:
        a.A2aClient.from_card(emu.client("saas"), peer.url)  # saas-cc-client: openid chat:all
    assert e.value.details["requiredScopes"] == ["a2a:all"]
    assert peer.requests() == [], "nothing was sent"


def test_stream_then_get_task(peer: Peer, agent_kwargs: Dict[str, Any]) -> None:
    with a.A2aClient.from_card(a.Client(**agent_kwargs), peer.url) as agent:
        events = list(agent.send_streaming_message("hello big world"))
        shape = [next(iter(e)) for e in events]
        assert shape == ["task", "statusUpdate", "artifactUpdate", "artifactUpdate", "artifactUpdate", "statusUpdate"]
        assert events[1]["statusUpdate"]["status"]["state"] == "TASK_STATE_WORKING"
        chunks = [e["artifactUpdate"] for e in events[2:5]]
        assert [c.get("append", False) for c in chunks] == [False, True, True]
        assert [c.get("lastChunk", False) for c in chunks] == [False, False, True]
        assert events[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_COMPLETED"

        task_id = events[0]["task"]["id"]
        task = agent.get_task(task_id)
        assert task["status"]["state"] == "TASK_STATE_COMPLETED"
        assembled = agent.assemble(events)
        text = "".join(p["text"] for p in assembled["artifacts"][0]["parts"])
        assert text == "hello big world"
        assert task["artifacts"] == assembled["artifacts"]
        # The module's peer keeps earlier tests' tasks too; every page is followed.
        assert task_id in [t["id"] for t in agent.list_tasks(page_size=1)]

        with pytest.raises(a.TaskNotFoundError) as nf:
            agent.get_task("nope")
        assert nf.value.code == "-32001" and nf.value.details["data"][0]["reason"] == "TASK_NOT_FOUND"


def test_subscribe_cancel_and_typed_errors(peer: Peer, agent_kwargs: Dict[str, Any]) -> None:
    agent = a.A2aClient.from_card(a.Client(**agent_kwargs), peer.url)
    first = iter(agent.send_streaming_message(" ".join(f"w{i}" for i in range(60))))
    opening = next(first)
    task_id = opening["task"]["id"]
    seen = 0
    while seen < 3:
        seen += "artifactUpdate" in next(first)
    second = iter(agent.subscribe_to_task(task_id))
    snapshot = next(second)
    assert snapshot["task"]["id"] == task_id and snapshot["task"]["status"]["state"] == "TASK_STATE_WORKING"

    assert agent.cancel_task(task_id)["status"]["state"] == "TASK_STATE_CANCELED"
    for stream in (first, second):
        rest = list(stream)
        assert rest[-1]["statusUpdate"]["status"]["state"] == "TASK_STATE_CANCELED"

    with pytest.raises(a.TaskNotCancelableError) as nc:
        agent.cancel_task(task_id)
    assert nc.value.code == "-32002"
    assert nc.value.details["data"][0]["@type"] == "type.googleapis.com/google.rpc.ErrorInfo"
    with pytest.raises(a.UnsupportedOperationError):
        list(agent.subscribe_to_task(task_id))


def test_no_token_and_one_refresh_after_rejection(emu: Emulator, peer: Peer, agent_kwargs: Dict[str, Any]) -> None:
    anonymous = a.A2aClient.from_card(a.Client(**agent_kwargs), peer.url, bearer=False)
    with pytest.raises(a.AgenticStarError) as e:
        anonymous.get_task("x")
    assert e.value.kind == "unauthorized" and e.value.status == 401

    agent = a.A2aClient.from_card(a.Client(**agent_kwargs), peer.url)
    agent.list_tasks()
    # Every issued token is now dead at the issuer, as an expired one is: one refresh, one retry.
    emu.admin("POST", "/admin/revoke", {"all": True})
    before = emu.counter("saas.token")
    peer.reset()
    agent.list_tasks()
    assert emu.counter("saas.token") - before == 1
    assert [r["auth"] for r in peer.requests()] == ["invalid_token", "ok"]


def test_recorded_exchange_is_the_shared_vector(peer: Peer, agent_kwargs: Dict[str, Any]) -> None:
    agent = a.A2aClient.from_card(a.Client(**agent_kwargs), peer.url, record=True)
    events = list(agent.send_streaming_message("hello big world", message_id="msg-1"))
    agent.get_task(events[0]["task"]["id"])
    want = json.loads(VECTOR.read_text())["exchange"]
    # The vector was recorded against a peer with no pause between words; the exchange is the same.
    assert agent.recording() == want


async def test_async_stream_and_cancel_closes_the_connection(peer: Peer, agent_kwargs: Dict[str, Any]) -> None:
    agent = await a.AsyncA2aClient.from_card(a.AsyncClient(**agent_kwargs), peer.url)
    async with agent:
        kinds = [next(iter(e)) async for e in agent.send_streaming_message("a b")]
        assert kinds == ["task", "statusUpdate", "artifactUpdate", "artifactUpdate", "statusUpdate"]
        before = peer.get("/_test/stats")["disconnects"]
        stream = agent.send_streaming_message(" ".join(f"w{i}" for i in range(60)))
        async for e in stream:
            if "artifactUpdate" in e:
                break
        await stream.aclose()
        deadline = time.monotonic() + 10
        while peer.get("/_test/stats")["disconnects"] == before and time.monotonic() < deadline:
            await asyncio.sleep(0.05)
        assert peer.get("/_test/stats")["disconnects"] > before
