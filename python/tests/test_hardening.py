"""Issue 12 in Python: accumulation is an option with a cap, and public clients need no secret."""
import pytest
from conftest import Emulator

import agenticstar as a


def test_accumulation_cap_and_opt_out(emu: Emulator) -> None:
    emu.config(reply="x" * 50_000, chunk_chars=1000)
    capped = emu.client(max_reply_bytes=10_000)
    with pytest.raises(a.StreamTooLargeError):
        with capped.chat.stream(messages=[{"role": "user", "content": "hi"}]) as s:
            for _ in s:
                pass
    off = emu.client(max_reply_bytes=10_000, accumulate=False)
    n = 0
    with off.chat.stream(messages=[{"role": "user", "content": "hi"}]) as s:
        for chunk in s:
            n += len(chunk.text)
    assert n == 50_000


def test_public_client_needs_no_secret(emu: Emulator) -> None:
    c = a.Client(provider=a.Provider.agenticstar(emu.url), client_id="saas-app-client", flow="authorization_code")
    assert c.store_key.endswith("#public")
    with pytest.raises(a.ConfigError):
        a.Client(provider=a.Provider.agenticstar(emu.url), client_id="x", auth_method="client_secret_basic")


def test_a_deeply_nested_answer_is_a_typed_error(emu: Emulator) -> None:
    """A hostile server's deep nesting is a typed error, never a stack overflow that kills Python."""
    deep = "[" * 100_000
    emu.fault(endpoint="saas.token", status=200, content_type="application/json", body=deep)
    c = emu.client()
    with pytest.raises(a.UnexpectedResponseError):
        c.get_token()
    chunk = 'data: {"choices":[{"index":0,"delta":{"content":' + deep + "\n\n"
    emu.fault(endpoint="chat.completions", replay={"chunks": [chunk, "data: [DONE]\n\n"]})
    with pytest.raises(a.StreamDecodeError):
        with c.chat.stream(messages=[{"role": "user", "content": "hi"}]) as s:
            for _ in s:
                pass
