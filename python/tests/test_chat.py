"""Streaming through the sync iterator, the async iterator and the callback; closing and cancelling."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any, Dict, List

import pytest
from conftest import Emulator

import agenticstar as a

MSG: List[a.MessageParam] = [{"role": "system", "content": "be brief"}, {"role": "user", "content": "stream me"}]
REPLY = "こんにちは！🌸 You said: stream me"  # noqa: RUF001 (the emulator speaks Japanese)


def check_chunks(chunks: List[a.ChatChunk]) -> None:
    assert chunks[0].delta.role == "assistant"
    assert "".join(c.text for c in chunks) == REPLY
    assert "".join(c.delta.content or "" for c in chunks) == REPLY
    assert all(c.id == chunks[0].id and c.model == "AGENTIC STAR" for c in chunks if c.choices)
    assert [c.finish_reason for c in chunks if c.finish_reason] == ["stop"]
    last = chunks[-1]
    assert last.choices == [] and last.usage is not None and last.usage.total_tokens > 0
    assert chunks[1].to_dict()["choices"][0]["delta"]["content"] == chunks[1].text


def test_sync_iterator(emu: Emulator) -> None:
    with emu.client("saas") as c:
        with c.chat.stream(messages=MSG, stream_options={"include_usage": True}) as s:
            chunks = list(s)
        check_chunks(chunks)
        assert s.text == REPLY and s.finish_reason == "stop"
        assert s.usage is not None and s.usage.completion_tokens > 0
        done = s.completion()
        assert done.text == REPLY and done.choices[0].message.role == "assistant" and done.usage == s.usage
        sent = emu.requests("chat.completions")[-1]["json"]
        assert sent["stream"] is True and sent["model"] == "AGENTIC STAR" and sent["messages"] == MSG


async def test_async_iterator(emu: Emulator) -> None:
    async with emu.async_client("saas") as c:
        async with c.chat.stream(messages=MSG, stream_options={"include_usage": True}, temperature=0.5) as s:
            chunks = [ch async for ch in s]
        check_chunks(chunks)
        assert s.text == REPLY and s.finish_reason == "stop" and s.usage is not None
        assert emu.requests("chat.completions")[-1]["json"]["temperature"] == 0.5


def test_callback_sync(emu: Emulator) -> None:
    got: List[str] = []
    done = emu.client("saas").chat.stream(messages=MSG, on_delta=lambda ch: got.append(ch.text))
    assert isinstance(done, a.ChatCompletion)
    assert "".join(got) == REPLY == done.text and done.finish_reason == "stop"


async def test_callback_async(emu: Emulator) -> None:
    got: List[str] = []

    async def on_delta(ch: a.ChatChunk) -> None:
        got.append(ch.text)

    c = emu.async_client("saas")
    done = await c.chat.stream(messages=MSG, on_delta=on_delta)
    assert "".join(got) == REPLY == done.text
    done = await c.chat.stream(messages=MSG, on_delta=lambda ch: None)  # a plain function works too
    assert done.text == REPLY


def test_create(emu: Emulator) -> None:
    done = emu.client("saas").chat.create(messages=MSG, model="AGENTIC STAR", max_tokens=50)
    assert done.text == REPLY and done.finish_reason == "stop" and done.usage is not None
    sent = emu.requests("chat.completions")[-1]["json"]
    assert sent["stream"] is False and sent["max_tokens"] == 50


def test_split_utf8_and_small_frames(emu: Emulator) -> None:
    emu.fault(endpoint="chat.completions", stream="split_utf8")
    with emu.client("saas").chat.stream(messages=MSG) as s:
        assert "".join(ch.text for ch in s) == REPLY


def test_close_early_closes_the_connection(emu: Emulator) -> None:
    emu.config(chunk_delay_ms=50, chunk_chars=1)
    c = emu.client("saas")
    with c.chat.stream(messages=MSG) as s:
        for ch in s:
            if ch.text:
                break
    assert emu.wait_counter("chat.disconnects", 1) == 1
    assert list(s) == []  # a closed stream yields nothing more
    assert emu.counter("chat.completed") == 0


async def test_cancelling_the_task_closes_the_connection(emu: Emulator) -> None:
    emu.config(chunk_delay_ms=100, chunk_chars=1)
    c = emu.async_client("saas")
    first = asyncio.Event()

    async def reader() -> None:
        # No `async with`: cancellation alone must close the connection.
        async for ch in c.chat.stream(messages=MSG):
            if ch.text:
                first.set()

    task = asyncio.create_task(reader())
    await asyncio.wait_for(first.wait(), 10)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await task
    assert await asyncio.to_thread(emu.wait_counter, "chat.disconnects", 1) == 1
    assert emu.counter("chat.completed") == 0


async def test_wait_for_on_a_stalled_stream(emu: Emulator) -> None:
    emu.fault(endpoint="chat.completions", stream="never_end", after_chunks=1)
    s = emu.async_client("saas").chat.stream(messages=MSG)

    async def drain() -> None:
        async for _ in s:
            pass

    with pytest.raises(asyncio.TimeoutError):
        await asyncio.wait_for(drain(), 0.5)
    assert await asyncio.to_thread(emu.wait_counter, "chat.disconnects", 1) == 1
    assert [ch async for ch in s] == []


async def test_sync_close_from_another_thread(emu: Emulator) -> None:
    emu.fault(endpoint="chat.completions", stream="never_end", after_chunks=1)
    c = emu.client("saas")
    s = c.chat.stream(messages=MSG)
    got: List[a.ChatChunk] = []

    def read() -> None:
        got.extend(s)

    th = threading.Thread(target=read)
    th.start()
    await asyncio.to_thread(emu.wait_counter, "chat.completions", 1)
    while not got:
        await asyncio.sleep(0.01)
    s.close()  # unblocks the pending read
    await asyncio.to_thread(th.join, 10)
    assert not th.is_alive()
    assert await asyncio.to_thread(emu.wait_counter, "chat.disconnects", 1) == 1


def test_raw_request(emu: Emulator) -> None:
    c = emu.client("saas")
    r = c.request("GET", "/v1/models")
    assert r.status == 200 and r.content_type and r.content_type.startswith("application/json")
    assert r.json()["object"] == "list" and b"AGENTIC STAR" in r.content and "list" in r.text
    me = c.request("get", "/v1/me").json()
    assert me["scope"] == "openid chat:all"
    r = c.request("POST", "/v1/chat/completions", json={"messages": MSG, "stream": False, "extra": [1, 2.5, None, True]})
    assert r.json()["choices"][0]["message"]["content"] == REPLY


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs fork")
@pytest.mark.filterwarnings("ignore:This process .* is multi-threaded:DeprecationWarning")
def test_fork_is_detected_and_the_child_gets_its_own_runtime(emu: Emulator) -> None:
    parent = emu.client("saas")
    parent.get_token()  # the runtime runs in the parent
    pid = os.fork()
    if pid == 0:  # child: no pytest assertions here, only an exit status
        code = 1
        try:
            try:
                parent.get_token()
            except a.ConfigError as e:
                code = 2 if "fork" in str(e) else 3
            if code == 2:
                child = emu.client("saas")
                with child.chat.stream(messages=MSG) as s:
                    code = 0 if "".join(ch.text for ch in s) == REPLY else 4
        finally:
            os._exit(code)
    _, status = os.waitpid(pid, 0)
    assert os.waitstatus_to_exitcode(status) == 0
    assert parent.get_token().access_token  # the parent is unaffected


class Interrupted(Exception):
    pass


@pytest.mark.skipif(not hasattr(signal, "setitimer"), reason="needs setitimer")
def test_signals_interrupt_a_blocked_sync_read(emu: Emulator) -> None:
    """Ctrl-C (here: an alarm handler that raises) stops a sync read that waits on the network."""
    emu.fault(endpoint="chat.completions", stream="never_end", after_chunks=1)

    def on_alarm(signum: int, frame: object) -> None:
        raise Interrupted()

    old = signal.signal(signal.SIGALRM, on_alarm)
    try:
        s = emu.client("saas").chat.stream(messages=MSG)
        signal.setitimer(signal.ITIMER_REAL, 0.5)
        with pytest.raises(Interrupted):
            for _ in s:
                pass
    finally:
        signal.setitimer(signal.ITIMER_REAL, 0)
        signal.signal(signal.SIGALRM, old)
    assert emu.wait_counter("chat.disconnects", 1) == 1  # the interrupted stream was closed


def test_readme_quick_start_and_typed_example_run(emu: Emulator, tmp_path: Path) -> None:
    """The README's sync and async quick starts, and examples/typed_example.py, as a new user runs them."""
    root = Path(__file__).resolve().parents[1]
    blocks = (root / "README.md").read_text().split("```python")[1:]
    quick = [b.split("```")[0] for b in blocks if "127.0.0.1:8787" in b and "saas-cc-client" in b]
    assert len(quick) == 2
    for i, code in enumerate(quick):
        script = tmp_path / f"quick{i}.py"
        script.write_text(code.replace("http://127.0.0.1:8787", emu.url))
        out = subprocess.run([sys.executable, str(script)], capture_output=True, text=True, timeout=60)
        assert out.returncode == 0, out.stderr
        assert "You said: Hello!" in out.stdout
    out = subprocess.run(
        [sys.executable, str(root / "examples" / "typed_example.py"), emu.url], capture_output=True, text=True, timeout=60
    )
    assert out.returncode == 0, out.stderr
    assert "signed in as Alice" in out.stdout


def test_readme_sign_in_snippet_runs(emu: Emulator, capsys: pytest.CaptureFixture[str]) -> None:
    """The README's Authorization Code snippet as written; the test plays the web framework and the browser."""
    root = Path(__file__).resolve().parents[1]
    blocks = (root / "README.md").read_text().split("```python")[1:]
    [code] = [b.split("```")[0] for b in blocks if "def callback(" in b]
    ns: Dict[str, Any] = {"__name__": "readme_sign_in"}
    exec(compile(code.replace("http://127.0.0.1:8787", emu.url), "README.md", "exec"), ns)
    url = ns["login"]()
    assert ns["session"]["auth"], "the request was kept in the session"
    ns["callback"](emu.follow_authorize(url))
    out = capsys.readouterr().out
    assert out.startswith("signed in: ") and out.strip().endswith("True"), out
    assert ns["client"].get_token().refresh_token is not None
    assert "auth" not in ns["session"]
