"""The official `openai` package streams from our emulator: it speaks the protocol real clients speak."""
import json
import os
import subprocess
import urllib.parse
import urllib.request
from pathlib import Path

import openai
import pytest

ROOT = Path(__file__).resolve().parents[2]
CLI = os.environ.get("AGENTICSTAR_CLI", str(ROOT / "target" / "debug" / "agenticstar"))


@pytest.fixture(scope="module")
def emulator():
    proc = subprocess.Popen([CLI, "emulator", "--port", "0", "--exit-on-stdin-close"], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
    assert proc.stdout is not None
    url = json.loads(proc.stdout.readline())["url"]
    yield url
    assert proc.stdin is not None
    proc.stdin.close()
    proc.wait(timeout=10)


def saas_token(url: str) -> str:
    body = urllib.parse.urlencode({"grant_type": "client_credentials", "client_id": "saas-cc-client", "client_secret": "saas-cc-secret"}).encode()
    with urllib.request.urlopen(f"{url}/federation/auth/v1/token", body, timeout=10) as r:
        return json.load(r)["access_token"]


def test_openai_streams_from_the_emulator(emulator: str) -> None:
    client = openai.OpenAI(base_url=f"{emulator}/v1", api_key=saas_token(emulator), max_retries=0)
    stream = client.chat.completions.create(
        model="AGENTIC STAR",
        messages=[{"role": "user", "content": "こんにちは"}],
        stream=True,
        stream_options={"include_usage": True},
    )
    text, finish, usage = "", None, None
    for chunk in stream:
        if chunk.usage:
            usage = chunk.usage
        for choice in chunk.choices:
            text += choice.delta.content or ""
            finish = choice.finish_reason or finish
    assert text == "こんにちは！🌸 You said: こんにちは"
    assert finish == "stop"
    assert usage is not None and usage.completion_tokens > 0


def test_openai_non_streaming_and_auth_errors(emulator: str) -> None:
    client = openai.OpenAI(base_url=f"{emulator}/v1", api_key=saas_token(emulator), max_retries=0)
    done = client.chat.completions.create(model="AGENTIC STAR", messages=[{"role": "user", "content": "whole"}])
    assert done.choices[0].message.content == "こんにちは！🌸 You said: whole"
    bad = openai.OpenAI(base_url=f"{emulator}/v1", api_key="not-a-token", max_retries=0)
    with pytest.raises(openai.AuthenticationError):
        bad.chat.completions.create(model="AGENTIC STAR", messages=[{"role": "user", "content": "x"}], stream=True)
