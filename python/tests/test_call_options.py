"""Raw responses (status, headers, request id on results and errors) and per-call options
(timeout, max_retries, extra headers/query/body, ``with_options``) against the emulator."""

from __future__ import annotations

import asyncio
import pickle
from typing import Any, Optional

import pytest
from conftest import Emulator

import agenticstar as a

MESSAGES: Any = [{"role": "user", "content": "hi"}]


def is_emulator_id(request_id: Optional[str]) -> bool:
    return request_id is not None and request_id.startswith("req_") and len(request_id) > 4


def test_results_carry_status_headers_and_request_id(emu: Emulator) -> None:
    with emu.client() as c:
        done = c.chat.create(messages=MESSAGES)
        assert done.response is not None
        assert done.response.status == 200
        assert is_emulator_id(done.response.request_id)
        assert done.response.headers["x-request-id"] == done.response.request_id
        assert done.response.header("Content-Type") is not None

        with c.chat.stream(messages=MESSAGES) as s:
            assert next(iter(s)).text is not None
            assert s.response is not None
            assert s.response.headers["content-type"].startswith("text/event-stream")
            assert is_emulator_id(s.response.request_id)
            assert s.response.request_id != done.response.request_id

        raw = c.request("GET", "/v1/models")
        assert is_emulator_id(raw.request_id)
        assert raw.headers["x-request-id"] == raw.request_id == raw.response.request_id


def test_errors_carry_request_id_headers_and_www_authenticate(emu: Emulator) -> None:
    emu.fault(
        endpoint="chat.completions",
        status=429,
        times=4,
        headers={"Retry-After": "0", "X-RateLimit-Remaining": "0", "Set-Cookie": "sid=s3cret-cookie"},
        body={"error": {"message": "slow down"}},
    )
    with emu.client() as c:
        with pytest.raises(a.RateLimitError) as info:
            c.chat.create(messages=MESSAGES)
        e = info.value
        assert e.status == 429
        assert is_emulator_id(e.request_id)
        assert e.headers["x-ratelimit-remaining"] == "0"
        assert e.headers["set-cookie"] == "***"
        for shown in (str(e), repr(e), str(e.headers)):
            assert "s3cret" not in shown
        assert e.request_id is not None and e.request_id in repr(e)
        # The attributes survive pickling (multiprocessing, task queues).
        again = pickle.loads(pickle.dumps(e))
        assert (again.request_id, again.headers) == (e.request_id, e.headers)

        emu.fault(
            endpoint="chat.completions",
            status=401,
            times=2,
            headers={"WWW-Authenticate": 'Bearer error="invalid_token"'},
            body={"error": {"message": "expired", "code": "invalid_token"}},
        )
        with pytest.raises(a.AuthenticationError) as auth:
            with c.chat.stream(messages=MESSAGES) as s:
                for _ in s:
                    pass
        assert auth.value.www_authenticate == 'Bearer error="invalid_token"'
        assert is_emulator_id(auth.value.request_id)


def test_a_configured_request_id_header_comes_first(emu: Emulator) -> None:
    emu.fault(endpoint="models", status=200, headers={"X-Trace-Id": "trace-7"}, body={"data": []})
    with emu.client(request_id_header="X-Trace-Id") as c:
        assert c.request("GET", "/v1/models").request_id == "trace-7"
        assert is_emulator_id(c.request("GET", "/v1/models").request_id)


def test_per_call_max_retries_and_timeout_win_over_the_client(emu: Emulator) -> None:
    busy = dict(endpoint="chat.completions", status=503, times=1, body={"error": {"message": "busy"}})
    with emu.client(max_retries=3, initial_backoff=0.01) as c:
        emu.fault(**busy)
        with pytest.raises(a.ServerError):
            c.chat.create(messages=MESSAGES, max_retries=0)
        assert emu.counter("chat.completions") == 1
        emu.fault(**busy)
        c.chat.create(messages=MESSAGES)  # the client's 3 retries
        assert emu.counter("chat.completions") == 3

        emu.fault(endpoint="chat.completions", delay_ms=3000)
        with pytest.raises(a.APITimeoutError):
            c.chat.create(messages=MESSAGES, timeout=0.2, max_retries=0)
        emu.fault(endpoint="chat.completions", delay_ms=3000)
        with pytest.raises(a.APITimeoutError):
            with c.chat.stream(messages=MESSAGES, timeout=0.2, max_retries=0) as s:
                for _ in s:
                    pass
        emu.fault(endpoint="models", delay_ms=3000)
        with pytest.raises(a.APITimeoutError):
            c.request("GET", "/v1/models", timeout=0.2, max_retries=0)
        for bad in (-1.0, float("nan")):
            with pytest.raises(a.ConfigError):
                c.request("GET", "/v1/models", timeout=bad)


def test_extra_headers_query_and_body_reach_the_server(emu: Emulator) -> None:
    with emu.client() as c:
        c.chat.create(messages=MESSAGES, extra_headers={"X-Custom": "yes"}, extra_query={"trace": 1})
        last = emu.requests("chat.completions")[-1]
        assert last["headers"]["x-custom"] == "yes"
        assert last["query"] == {"trace": "1"}
        c.request("POST", "/v1/chat/completions", json={"messages": MESSAGES}, extra_body={"temperature": 0.25})
        assert emu.requests("chat.completions")[-1]["json"]["temperature"] == 0.25
        with pytest.raises(a.ConfigError):
            c.chat.create(messages=MESSAGES, extra_headers={"Authorization": "Bearer x"})


def test_with_options_shares_the_token_manager(emu: Emulator) -> None:
    with emu.client(max_retries=3, initial_backoff=0.01) as c:
        strict = c.with_options(max_retries=0, extra_headers={"X-Tenant": "t1"})
        assert type(strict) is a.Client
        c.chat.create(messages=MESSAGES)
        strict.chat.create(messages=MESSAGES)
        assert emu.counter("saas.token") == 1
        recorded = emu.requests("chat.completions")
        assert "x-tenant" not in recorded[0]["headers"]
        assert recorded[1]["headers"]["x-tenant"] == "t1"
        emu.fault(endpoint="chat.completions", status=503, times=1, body={"error": {"message": "busy"}})
        with pytest.raises(a.ServerError):
            strict.chat.create(messages=MESSAGES)
        emu.fault(endpoint="chat.completions", status=503, times=1, body={"error": {"message": "busy"}})
        c.chat.create(messages=MESSAGES)
        with pytest.raises(a.ConfigError):
            c.with_options(timeout=-1)


def test_async_client_has_the_same(emu: Emulator) -> None:
    async def main() -> None:
        async with emu.async_client() as c:
            fast = c.with_options(timeout=5.0)
            assert type(fast) is a.AsyncClient
            done = await fast.chat.create(messages=MESSAGES, extra_headers={"X-A": "1"})
            assert done.response is not None and is_emulator_id(done.response.request_id)
            emu.fault(endpoint="chat.completions", status=503, times=1, body={"error": {"message": "busy"}})
            with pytest.raises(a.ServerError) as info:
                await c.chat.create(messages=MESSAGES, max_retries=0)
            assert is_emulator_id(info.value.request_id)
            raw = await c.request("GET", "/v1/models", timeout=5.0)
            assert is_emulator_id(raw.request_id)
            assert emu.counter("saas.token") == 1

    asyncio.run(main())


AGENT = dict(client_id="saas-agent-client", client_secret="saas-agent-secret")


def test_service_calls_give_their_answer_and_take_per_call_options(emu: Emulator) -> None:
    mcp = a.McpClient.connect(emu.client(**AGENT), emu.url + "/mcp")
    raw = mcp.with_raw_response.list_tools()
    assert isinstance(raw, a.RawResult)
    assert any(t["name"] == "add" for t in raw.data)
    assert raw.response is not None and raw.response.status == 200
    assert is_emulator_id(raw.request_id)
    assert mcp.with_raw_response.recording().response is None, "a method that sends nothing"
    with pytest.raises(AttributeError):
        getattr(mcp.with_raw_response, "call_tool_stream")  # noqa: B009 - streams have no single answer

    # A 503 is retried by default, not with max_retries=0, and the error carries its answer.
    busy: Any = dict(endpoint="mcp", status=503, times=1, headers={"Retry-After": "0"}, body={"error": "busy"})
    emu.fault(**busy)
    before = emu.counter("mcp")
    with pytest.raises(a.ServerError) as info:
        mcp.with_options(max_retries=0).ping()
    assert is_emulator_id(info.value.request_id)
    assert emu.counter("mcp") - before == 1
    emu.fault(**busy)
    mcp.ping()
    assert emu.counter("mcp") - before == 3

    # A per-call timeout wins over the client's.
    emu.fault(endpoint="mcp", delay_ms=3000)
    with pytest.raises(a.APITimeoutError):
        mcp.with_options(timeout=0.2).ping()

    # Extra headers, query and params reach the server, in calls and streams.
    tagged = mcp.with_options(extra_headers={"X-Custom": "py"}, extra_query={"trace": 1}, extra_body={"traceTag": "t1"})
    tagged.call_tool("add", {"a": 2, "b": 3})
    last = emu.requests("mcp")[-1]
    assert last["headers"]["x-custom"] == "py" and last["query"] == {"trace": "1"}
    assert last["json"]["params"]["traceTag"] == "t1"
    list(tagged.call_tool_stream("add", {"a": 1, "b": 1}))
    assert emu.requests("mcp")[-1]["headers"]["x-custom"] == "py"
    assert "x-custom" not in (mcp.ping() or {}) and "x-custom" not in emu.requests("mcp")[-1]["headers"]
    with pytest.raises(a.ConfigError):
        mcp.with_options(timeout=-1).recording()


async def test_async_service_calls_give_their_answer_and_take_per_call_options(emu: Emulator) -> None:
    a2a = await a.AsyncA2aClient.from_card(emu.async_client(**AGENT), emu.url)
    raw = await a2a.with_raw_response.send_message(text="hi")
    assert is_emulator_id(raw.request_id)
    assert raw.data is not None
    emu.fault(endpoint="a2a.rpc", status=429, times=1, headers={"Retry-After": "0"}, body={})
    with pytest.raises(a.RateLimitError) as info:
        await a2a.with_options(max_retries=0, extra_headers={"X-Custom": "a2a"}).list_tasks()
    assert is_emulator_id(info.value.request_id)
    assert emu.requests("a2a.rpc")[-1]["headers"]["x-custom"] == "a2a"
