"""MCP through the Python package against the real servers the Rust interop tests use, started
here on loopback next to the emulator whose tokens they check: PyPI mcp==2.3.0 under uvicorn
(interop/mcp-python, both eras) and npm @modelcontextprotocol/sdk@1.32.2 (interop/mcp-node,
legacy only, resumable). scripts/test.sh installs both before this suite; without them the peer
tests are skipped, unless AGENTICSTAR_REQUIRE_INTEROP. The shared session vector is recorded
against the emulator's own /mcp."""

from __future__ import annotations

import asyncio
import functools
import json
import os
import socket
import subprocess
import time
import urllib.parse
import urllib.request
from typing import Any, Callable, Dict, Iterator, List

import pytest
from conftest import REPO, Emulator

import agenticstar as a

PY_DIR = REPO / "interop" / "mcp-python"
PY_PYTHON = PY_DIR / ".venv" / "bin" / "python"
NODE_DIR = REPO / "interop" / "mcp-node"
VECTOR = REPO / "testdata" / "mcp_session.json"
AGENT = dict(client_id="saas-agent-client", client_secret="saas-agent-secret")


def _missing(what: str, how: str) -> None:
    if os.environ.get("AGENTICSTAR_REQUIRE_INTEROP"):
        pytest.fail(f"{what} is not installed ({how})")
    pytest.skip(how)


def _get(url: str) -> Any:
    with urllib.request.urlopen(url, timeout=10) as r:
        return json.loads(r.read())


def _eventually(check: Callable[[], bool], what: str) -> None:
    """Poll until `check()` holds (the deadline only keeps a broken run from hanging)."""
    deadline = time.monotonic() + 10
    while not check():
        assert time.monotonic() < deadline, f"never saw {what}"
        time.sleep(0.05)


class Peer:
    """A peer process whose request log (every request to /mcp) is at `base/_requests`."""

    def __init__(self, proc: subprocess.Popen[str], url: str, retry_ms: int = 0) -> None:
        self.proc = proc
        self.url = url
        self.base = url.removesuffix("/mcp")
        self.retry_ms = retry_ms

    def log(self) -> List[Dict[str, Any]]:
        return _get(self.base + "/_requests")  # type: ignore[no-any-return]

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(timeout=10)


@pytest.fixture(scope="module")
def py_peer(emu_process: Emulator) -> Iterator[Peer]:
    if not PY_PYTHON.exists():
        _missing("interop/mcp-python", "bash interop/mcp-python/install.sh")
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    proc = subprocess.Popen([str(PY_PYTHON), "server.py", str(port), emu_process.url], cwd=PY_DIR, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    while (line := proc.stdout.readline()) and line.strip() != "READY":
        pass
    assert line.strip() == "READY", "the MCP server exited"
    p = Peer(proc, f"http://127.0.0.1:{port}/mcp")
    yield p
    p.stop()


@pytest.fixture(scope="module")
def node_peer(emu_process: Emulator) -> Iterator[Peer]:
    if not (NODE_DIR / "node_modules" / "@modelcontextprotocol" / "sdk").exists():
        _missing("interop/mcp-node", "npm ci --prefix interop/mcp-node")
    proc = subprocess.Popen(["node", "server.mjs", emu_process.url], cwd=NODE_DIR, stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    ready = json.loads(proc.stdout.readline())
    p = Peer(proc, ready["url"], ready["retryMs"])
    yield p
    p.stop()


def agent(emu: Emulator) -> a.Client:
    return emu.client(**AGENT)


def resource_token(emu: Emulator, resource: str) -> str:
    """An mcp:all token for `resource`, fetched by hand (to act on the server out of band)."""
    form = urllib.parse.urlencode(dict(grant_type="client_credentials", scope="mcp:all", resource=resource, **AGENT)).encode()
    with urllib.request.urlopen(emu.url + "/federation/auth/v1/token", data=form, timeout=10) as r:
        return json.loads(r.read())["access_token"]  # type: ignore[no-any-return]


def test_current_era_tools_progress_resources_prompts(emu: Emulator, py_peer: Peer) -> None:
    start = len(py_peer.log())
    with a.McpClient.connect(agent(emu), py_peer.url) as mcp:
        info = mcp.server()
        assert (info["era"], info["protocolVersion"]) == ("current", "2026-07-28")
        assert mcp.session_id() is None
        assert "add" in [t["name"] for t in mcp.list_tools()]

        items = list(mcp.call_tool_stream("add", {"a": 2, "b": 3}))
        progress, result = items[:-1], items[-1]
        assert progress and all(p["type"] == "progress" for p in progress), items
        assert progress[0]["message"] == "adding"
        assert result["type"] == "result" and result["result"]["structuredContent"] == {"result": 5}
        assert mcp.call_tool("add", {"a": 2, "b": 3})["structuredContent"] == {"result": 5}

        assert "greeting://hello" in [r["uri"] for r in mcp.list_resources()]
        assert mcp.read_resource("greeting://hello")["contents"][0]["text"] == "Hello, world"
        assert "review" in [p["name"] for p in mcp.list_prompts()]
        prompt = mcp.get_prompt("review", {"code": "x = 1"})
        assert "x = 1" in prompt["messages"][0]["content"]["text"]

    log = py_peer.log()[start:]
    methods = [e["body"]["method"] for e in log if e.get("body")]
    assert methods[0] == "server/discover" and "initialize" not in methods, methods
    call = next(e for e in log if (e.get("body") or {}).get("method") == "tools/call")
    assert (call["headers"]["mcp-method"], call["headers"]["mcp-name"]) == ("tools/call", "add")
    assert call["body"]["params"]["_meta"]["io.modelcontextprotocol/protocolVersion"] == "2026-07-28"


def test_forced_legacy_keeps_the_session_and_reinitializes_once(emu: Emulator, py_peer: Peer) -> None:
    start = len(py_peer.log())
    mcp = a.McpClient.connect(agent(emu), py_peer.url, era="legacy")
    assert mcp.server()["era"] == "legacy"
    sid = mcp.session_id()
    assert sid
    assert mcp.call_tool("add", {"a": 2, "b": 3})["structuredContent"] == {"result": 5}
    call = next(e for e in py_peer.log()[start:] if (e.get("body") or {}).get("method") == "tools/call")
    assert call["headers"]["mcp-session-id"] == sid

    # The session is deleted out of band: the next call's 404 leads to one new initialize.
    delete = urllib.request.Request(
        py_peer.url,
        method="DELETE",
        headers={
            "mcp-session-id": sid,
            "mcp-protocol-version": "2025-11-25",
            "authorization": "Bearer " + resource_token(emu, py_peer.url),
        },
    )
    urllib.request.urlopen(delete, timeout=10).read()
    assert mcp.call_tool("add", {"a": 1, "b": 1})["structuredContent"] == {"result": 2}
    assert mcp.session_id() not in (None, sid)
    inits = [e for e in py_peer.log()[start:] if (e.get("body") or {}).get("method") == "initialize"]
    assert len(inits) == 2, "one transparent re-initialize"
    mcp.close()
    assert py_peer.log()[-1]["method"] == "DELETE"


def test_no_token_or_a_bad_token_is_unauthorized_pointing_at_the_prm_document(emu: Emulator, py_peer: Peer) -> None:
    # A token for another resource: one renewal cannot help, then the typed error.
    with pytest.raises(a.UnauthorizedError) as e:
        a.McpClient.connect(agent(emu), py_peer.url, resource="https://elsewhere.example/mcp")
    assert emu.counter("saas.token") == 2, "exactly one renewal, no loop"
    prm = e.value.details["resourceMetadata"]
    assert prm.endswith("/.well-known/oauth-protected-resource/mcp"), prm
    doc = _get(prm)
    assert (doc["resource"], doc["scopes_supported"]) == (py_peer.url, ["mcp:all"])

    with pytest.raises(a.UnauthorizedError) as e:
        a.McpClient.connect(agent(emu), py_peer.url, bearer=False)
    assert e.value.status == 401 and e.value.details["resourceMetadata"] == prm


def test_closing_a_call_closes_its_connection(emu: Emulator, py_peer: Peer) -> None:
    cancelled = lambda: sum(1 for e in py_peer.log() if e.get("cancelled") == "slow")  # noqa: E731
    before = cancelled()
    mcp = a.McpClient.connect(agent(emu), py_peer.url)
    stream = mcp.call_tool_stream("slow", {"seconds": 30})
    it = iter(stream)
    assert next(it)["type"] == "progress"
    stream.close()
    _eventually(lambda: cancelled() > before, "the server see the call end")


async def test_async_progress_and_cancelling_the_task_closes_the_connection(emu: Emulator, py_peer: Peer) -> None:
    mcp = await a.AsyncMcpClient.connect(emu.async_client(**AGENT), py_peer.url)
    async with mcp:
        items = [i async for i in mcp.call_tool_stream("add", {"a": 2, "b": 3})]
        assert [i["type"] for i in items][-1] == "result" and len(items) >= 2
        assert (await mcp.read_resource("greeting://hello"))["contents"][0]["text"] == "Hello, world"

        slow_calls = lambda: sum(1 for e in py_peer.log() if ((e.get("body") or {}).get("params") or {}).get("name") == "slow")  # noqa: E731
        cancelled = lambda: sum(1 for e in py_peer.log() if e.get("cancelled") == "slow")  # noqa: E731
        calls, before = slow_calls(), cancelled()
        task = asyncio.ensure_future(mcp.call_tool("slow", {"seconds": 30}))
        while slow_calls() == calls:
            await asyncio.sleep(0.05)
        await asyncio.sleep(0.2)  # the tool is running at the server
        task.cancel()
        with pytest.raises(asyncio.CancelledError):
            await task
        deadline = time.monotonic() + 10
        while cancelled() == before:
            assert time.monotonic() < deadline, "the server never saw the call end"
            await asyncio.sleep(0.05)


def test_npm_server_falls_back_to_legacy_and_a_cut_stream_resumes_once(emu: Emulator, node_peer: Peer) -> None:
    start = len(node_peer.log())
    mcp = a.McpClient.connect(agent(emu), node_peer.url)
    info = mcp.server()
    assert (info["era"], info["protocolVersion"], info["serverInfo"]["name"]) == ("legacy", "2025-11-25", "node-peer")
    sid = mcp.session_id()
    assert "add" in [t["name"] for t in mcp.list_tools()]
    items = list(mcp.call_tool_stream("add", {"a": 2, "b": 3}))
    assert [i["type"] for i in items] == ["progress", "result"]
    assert items[-1]["result"]["structuredContent"] == {"result": 5}

    assert mcp.call_tool("resumable")["content"] == [{"type": "text", "text": "resumed-result"}]
    log = node_peer.log()[start:]
    cut = next(e["cut"] for e in log if "cut" in e)
    resumes = [e for e in log if e.get("method") == "GET" and "last-event-id" in e["headers"]]
    assert len(resumes) == 1, "exactly one resumption"
    assert resumes[0]["t"] >= cut + node_peer.retry_ms, "no earlier than the announced retry"
    assert resumes[0]["headers"]["mcp-session-id"] == sid

    mcp.close()
    log = node_peer.log()[start:]
    assert [e["headers"].get("mcp-session-id") for e in log if e.get("method") == "DELETE"] == [sid]
    methods = [e["body"]["method"] for e in log if e.get("body")]
    assert methods[:3] == ["server/discover", "initialize", "notifications/initialized"]

    with pytest.raises(a.UnauthorizedError) as e:
        a.McpClient.connect(agent(emu), node_peer.url, resource="https://elsewhere.example/mcp")
    assert e.value.details["resourceMetadata"].endswith("/.well-known/oauth-protected-resource/mcp")


def test_the_recorded_session_is_the_shared_vector(emu: Emulator) -> None:
    """The session core/tests/suite/mcp.rs records (against the emulator), through this package."""
    mcp = a.McpClient.connect(agent(emu), emu.url + "/mcp")
    mcp.start_recording()
    mcp.list_tools()
    list(mcp.call_tool_stream("progress", {"steps": 2}))
    mcp.call_tool("add", {"a": 2, "b": 3})
    ir = mcp.call_tool("confirm", {})
    assert ir["resultType"] == "input_required"
    mcp.answer(ir, {"confirm": {"action": "accept"}})
    mcp.read_resource("emulator://readme")
    mcp.get_prompt("greet", {"name": "Alice"})
    assert mcp.recording() == json.loads(VECTOR.read_text())


# The token scenarios run against the emulator's /mcp (the same as core/tests/suite/mcp.rs) and against
# mcp 2.3.0, whose token check asks the emulator, so `newest_token_only` and expiry hold there too.
# The stream scenarios need the emulator's faults.


def emu_mcp(emu: Emulator) -> str:
    return emu.url + "/mcp"


class Server:
    def __init__(self, url: str, requests: Callable[[], int]) -> None:
        self.url = url
        self.requests = requests  # requests to its /mcp so far


@pytest.fixture(params=["emulator", "mcp-2.3.0"])
def server(request: pytest.FixtureRequest, emu: Emulator) -> Server:
    if request.param == "emulator":
        return Server(emu_mcp(emu), lambda: emu.counter("mcp"))
    peer: Peer = request.getfixturevalue("py_peer")
    return Server(peer.url, lambda: len(peer.log()))


def _costs(emu: Emulator, server: Server, call: Callable[[], Any]) -> tuple[int, int]:
    """(token requests, MCP requests) that `call` made."""
    tokens, posts = emu.counter("saas.token"), server.requests()
    call()
    return emu.counter("saas.token") - tokens, server.requests() - posts


def test_a_server_that_accepts_only_the_newest_token_gets_one_refresh_and_one_retry(emu: Emulator, server: Server) -> None:
    emu.config(newest_token_only=True)
    mcp = a.McpClient.connect(agent(emu), server.url)
    resource_token(emu, server.url)  # another instance of the application: ours is no longer the newest
    result: Dict[str, Any] = {}
    assert _costs(emu, server, lambda: result.update(mcp.call_tool("add", {"a": 2, "b": 3}))) == (1, 2), "one refresh, one retry"
    assert result["structuredContent"] == {"result": 5}
    # Two instances take turns invalidating each other's token: one refresh and one retry per call, no loop.
    other = a.McpClient.connect(agent(emu), server.url)
    for i in range(3):
        for m in (mcp, other):
            assert _costs(emu, server, functools.partial(m.call_tool, "add", {"a": i, "b": 1})) == (1, 2)


async def test_fifty_concurrent_calls_on_an_expired_token_make_one_token_request(emu: Emulator, server: Server) -> None:
    emu.config(token_lifetime_secs=3)
    mcp = await a.AsyncMcpClient.connect(emu.async_client(**AGENT), server.url)
    emu.config(token_lifetime_secs=3600)
    await asyncio.sleep(3.1)  # the token has expired
    results = await asyncio.gather(*(mcp.call_tool("add", {"a": i, "b": 1}) for i in range(50)))
    assert [r["structuredContent"]["result"] for r in results] == [i + 1 for i in range(50)]
    assert emu.counter("saas.token") == 2, "the first token and one renewal for all 50 calls"


def test_fifty_concurrent_calls_on_a_revoked_token_make_one_token_request(emu: Emulator, server: Server) -> None:
    from concurrent.futures import ThreadPoolExecutor

    mcp = a.McpClient.connect(agent(emu), server.url)
    emu.admin("POST", "/admin/revoke", {"all": True})
    with ThreadPoolExecutor(50) as pool:
        results = list(pool.map(lambda i: mcp.call_tool("add", {"a": i, "b": 1}), range(50)))
    assert [r["structuredContent"]["result"] for r in results] == [i + 1 for i in range(50)]
    assert emu.counter("saas.token") == 2, "the first token and one renewal for all 50 calls"


def test_the_chat_streams_limits_and_timeouts_apply_to_mcp_streams(emu: Emulator) -> None:
    mcp = a.McpClient.connect(agent(emu), emu_mcp(emu))
    for n, kind in enumerate(("huge_line", "huge_event"), 1):  # over the default 1 MiB line / 8 MiB event limits
        emu.fault(endpoint="mcp", stream=kind)
        with pytest.raises(a.StreamTooLargeError):
            mcp.call_tool("add", {"a": 1, "b": 1})
        assert emu.wait_counter("mcp.disconnects", n) == n, "the client left the oversized stream"
    emu.fault(endpoint="mcp", stream="disconnect")
    with pytest.raises(a.StreamTruncatedError):
        mcp.call_tool("add", {"a": 1, "b": 1})
    small = a.McpClient.connect(emu.client(**AGENT, max_line_bytes=100), emu_mcp(emu))
    with pytest.raises(a.StreamTooLargeError):
        list(small.call_tool_stream("progress", {"steps": 1000}))
    assert emu.wait_counter("mcp.disconnects", 3) == 3

    idle = a.McpClient.connect(emu.client(**AGENT, stream_idle_timeout=0.3), emu_mcp(emu))
    emu.fault(endpoint="mcp", stream="never_end")
    started = time.monotonic()
    with pytest.raises(a.APITimeoutError):
        idle.call_tool("add", {"a": 1, "b": 1})
    assert time.monotonic() - started >= 0.3, "not before the idle timeout"
    assert emu.wait_counter("mcp.disconnects", 4) == 4, "the timed-out stream was closed"
    # A JSON answer whose body stalls is bounded by the request timeout.
    strict = a.McpClient.connect(emu.client(**AGENT, timeout=0.5), emu_mcp(emu))
    emu.fault(endpoint="mcp", status=200, body={"jsonrpc": "2.0", "id": 2, "result": {"content": []}}, stall_after_bytes=10)
    with pytest.raises(a.APITimeoutError):
        strict.call_tool("add", {"a": 1, "b": 1})


def test_closing_a_call_stream_closes_its_connection_seen_by_the_emulator(emu: Emulator) -> None:
    emu.config(chunk_delay_ms=200)
    mcp = a.McpClient.connect(agent(emu), emu_mcp(emu))
    stream = mcp.call_tool_stream("progress", {"steps": 1000})
    items = iter(stream)  # kept: a dropped iterator closes the stream too
    assert next(items)["type"] == "progress"
    assert emu.counter("mcp.disconnects") == 0
    stream.close()
    assert emu.wait_counter("mcp.disconnects", 1) == 1


def _mcp_posts(emu: Emulator, method: str) -> List[Dict[str, Any]]:
    return [r["json"] for r in emu.requests("mcp") if (r.get("json") or {}).get("method") == method]


@pytest.mark.parametrize("era", ["current", "legacy"])
async def test_cancelling_a_call_task_closes_its_connection_seen_by_the_emulator(emu: Emulator, era: str) -> None:
    emu.config(chunk_delay_ms=200)
    mcp = await a.AsyncMcpClient.connect(emu.async_client(**AGENT), emu_mcp(emu), era=era)
    posts = emu.counter("mcp")
    task = asyncio.ensure_future(mcp.call_tool("progress", {"steps": 1000}))
    while emu.counter("mcp") == posts:
        await asyncio.sleep(0.02)
    await asyncio.sleep(0.3)  # the answer is streaming
    assert emu.counter("mcp.disconnects") == 0
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    deadline = time.monotonic() + 10
    while emu.counter("mcp.disconnects") == 0 or (era == "legacy" and not _mcp_posts(emu, "notifications/cancelled")):
        assert time.monotonic() < deadline, "the emulator never saw the call end"
        await asyncio.sleep(0.02)
    # The legacy era also tells the server, naming the request.
    cancelled = [n["params"]["requestId"] for n in _mcp_posts(emu, "notifications/cancelled")]
    assert cancelled == ([_mcp_posts(emu, "tools/call")[-1]["id"]] if era == "legacy" else [])


async def test_async_for_over_change_notifications(emu: Emulator) -> None:
    mcp = await a.AsyncMcpClient.connect(emu.async_client(**AGENT), emu_mcp(emu))
    async with mcp.notifications(["emulator://readme"]) as stream:
        async for item in stream:
            assert (item["type"], item["method"]) == ("notification", "notifications/subscriptions/acknowledged")
            break
    (listen,) = _mcp_posts(emu, "subscriptions/listen")
    assert "emulator://readme" in json.dumps(listen["params"])
