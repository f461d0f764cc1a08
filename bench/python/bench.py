"""Python benchmarks of the agenticstar package against httpx-sse and openai-python, same bytes,
same run. Called by bench/python/run.sh (which sets up the venv); prints markdown rows
``| benchmark | MB/s | events/s | result | target |`` on stdout, progress on stderr.

    python bench.py <corpus_dir> <emulator binary>       (BENCH_QUICK=1: small sizes)

Parts (BENCH_PY_PARTS=memory,e2e,token,load to pick): in-memory decoding of <corpus>/chat.sse in
4 KiB pieces; end to end over loopback HTTP from the emulator (``stream_chunks``); the cost of a
cached get_token(); 200 concurrent streams from one AsyncClient.
"""

from __future__ import annotations

import asyncio
import gc
import json
import os
import resource
import statistics
import subprocess
import sys
import time
import urllib.request
from typing import Any, Callable, Dict, List, Tuple

QUICK = os.environ.get("BENCH_QUICK") == "1"
PARTS = set((os.environ.get("BENCH_PY_PARTS") or "memory,e2e,token,load").split(","))
PIECE = 4096
CC_ID, CC_SECRET = "saas-cc-client", "saas-cc-secret"
MODEL = "AGENTIC STAR"
# What the emulator's `stream_chunks` stream says, chunk i being SYNTHETIC[i % 4] (emulator/src/chat.rs).
SYNTHETIC = ["The agent is thinking ", "こんにちは、世界。", "🌸🍣 emoji ", "and more words, "]

failed: List[str] = []  # performance targets missed (reported in the rows; the run still succeeds)
broken: List[str] = []  # correctness checks that failed (exit status 1)


def log(msg: str) -> None:
    print(f"bench/python: {msg}", file=sys.stderr, flush=True)


def si(v: float) -> str:
    """Same formatting as bench/src/bin/report.rs."""
    if v >= 1e9:
        return f"{v / 1e9:.2f} G"
    if v >= 1e6:
        return f"{v / 1e6:.2f} M"
    if v >= 1e3:
        return f"{v / 1e3:.1f} k"
    return f"{v:.0f}"


def row(name: str, mbs: Any = "", eps: Any = "", result: str = "", target: str = "") -> None:
    mbs_s = f"{mbs:.0f}" if isinstance(mbs, float) else str(mbs)
    eps_s = si(eps) if isinstance(eps, float) else str(eps)
    print(f"| python: {name} | {mbs_s} | {eps_s} | {result} | {target} |", flush=True)


def check(ok: bool, what: str) -> str:
    if not ok:
        failed.append(what)
    return "PASS" if ok else "FAIL"


def ratio_target(ratio: float, need: float, peer: str) -> str:
    return f"≥ {need:g}x {peer}: {check(ratio >= need, f'{need:g}x {peer}')} ({ratio:.2f}x)"


# ---- in memory ----------------------------------------------------------------------------------


def memory(corpus_dir: str) -> None:
    import httpx
    from httpx_sse import EventSource
    from openai._streaming import SSEDecoder as OpenAISSEDecoder

    from agenticstar import _native

    meta = json.load(open(os.path.join(corpus_dir, "corpus.json")))["chat"]
    data = open(os.path.join(corpus_dir, meta["file"]), "rb").read()
    assert len(data) == meta["bytes"], "corpus.json does not match chat.sse"
    pieces = [data[i : i + PIECE] for i in range(0, len(data), PIECE)]
    events, chunks = meta["events"], meta["chunks"]
    reps = 2 if QUICK else 3
    loads = json.loads

    def httpx_response() -> Any:
        # The real httpx-sse path: httpx decodes UTF-8 and splits lines, httpx-sse parses fields.
        return httpx.Response(200, headers={"content-type": "text/event-stream"}, content=iter(pieces))

    def text_of(d: Dict[str, Any]) -> str:
        c = d["choices"]
        return (c[0]["delta"].get("content") or "") if c else ""

    def httpx_sse() -> Tuple[int, int]:
        n = nbytes = 0
        for sse in EventSource(httpx_response()).iter_sse():
            n += 1
            nbytes += len(sse.data)
        return n, nbytes

    def httpx_sse_json() -> Tuple[int, int]:
        n = chars = 0
        for sse in EventSource(httpx_response()).iter_sse():
            n += 1
            if sse.data != "[DONE]":
                chars += len(text_of(loads(sse.data)))
        return n, chars

    def openai_sse() -> Tuple[int, int]:
        n = nbytes = 0
        for sse in OpenAISSEDecoder().iter_bytes(iter(pieces)):
            n += 1
            nbytes += len(sse.data)
        return n, nbytes

    def openai_sse_json() -> Tuple[int, int]:
        n = chars = 0
        for sse in OpenAISSEDecoder().iter_bytes(iter(pieces)):
            n += 1
            if sse.data != "[DONE]":
                chars += len(text_of(loads(sse.data)))
        return n, chars

    def ours_sse() -> Tuple[int, int]:
        n = nbytes = 0
        evs, _ = _native.sse_decode(pieces)
        for _event, d, _id in evs:
            n += 1
            nbytes += len(d)
        return n, nbytes

    def ours_parity() -> Tuple[int, int]:
        n = chars = 0
        decode = _native.decode_chat_event
        evs, _ = _native.sse_decode(pieces)
        for event, d, _id in evs:
            n += 1
            c = decode(event, d)
            if c is not None:
                chars += len(c["text"])
        return n, chars

    # Correctness first (untimed): every loop sees every event; JSON loops agree on the text.
    ref_parts = []
    for sse in EventSource(httpx_response()).iter_sse():
        if sse.data != "[DONE]":
            ref_parts.append(text_of(loads(sse.data)))
    ref_text = "".join(ref_parts)
    if len(ref_text.encode()) != meta["text_bytes"]:
        raise SystemExit(f"httpx-sse + json.loads decoded {len(ref_text.encode())} text bytes, corpus.json says {meta['text_bytes']}")
    sse_fns = {"ours": ours_sse, "httpx-sse": httpx_sse, "openai": openai_sse}
    json_fns = {"httpx-sse+json": httpx_sse_json, "openai+json": openai_sse_json, "ours-parity": ours_parity}
    want = {k: (events, None) for k in sse_fns} | {k: (events, len(ref_text)) for k in json_fns}
    fns: Dict[str, Callable[[], Tuple[int, int]]] = {**sse_fns, **json_fns}
    data_bytes = None
    for k, f in fns.items():
        n, x = f()
        if n != want[k][0] or (want[k][1] is not None and x != want[k][1]):
            raise SystemExit(f"in-memory {k}: {n} events / {x}, expected {want[k]}")
        if k in sse_fns:
            if data_bytes is None:
                data_bytes = x
            elif x != data_bytes:
                raise SystemExit(f"in-memory {k}: {x} data chars, the others {data_bytes}")

    times: Dict[str, List[float]] = {k: [] for k in fns}
    for _ in range(reps):  # interleaved, so load changes hit every loop alike
        for k, f in fns.items():
            gc.collect()
            t = time.perf_counter()
            f()
            times[k].append(time.perf_counter() - t)
    med = {k: statistics.median(v) for k, v in times.items()}
    mb = len(data) / 1e6
    label = f"in memory chat-4KiB ({chunks} chunks, {mb:.1f} MB)"

    def line(name: str, k: str, result: str = "", target: str = "") -> None:
        row(f"{label}: {name}", mb / med[k], events / med[k], result, target)

    line(
        "agenticstar `_native.sse_decode` (SSE only, whole list in one call)",
        "ours",
        f"{med['httpx-sse'] / med['ours']:.2f}x httpx-sse, {med['openai'] / med['ours']:.2f}x openai SSEDecoder",
    )
    line("httpx-sse `EventSource.iter_sse` over httpx.Response (SSE only)", "httpx-sse")
    line("openai `_streaming.SSEDecoder.iter_bytes` (SSE only)", "openai")
    line("httpx-sse + json.loads", "httpx-sse+json")
    line("openai SSEDecoder + json.loads", "openai+json")
    line(
        "agenticstar `sse_decode` + `decode_chat_event` per event (parity helpers → dicts)",
        "ours-parity",
        f"{med['httpx-sse+json'] / med['ours-parity']:.2f}x httpx-sse+json.loads; NOT the stream path: typed "
        "ChatChunks are only made from the network (no in-memory typed API), see end to end",
    )


# ---- emulator -----------------------------------------------------------------------------------


class Emulator:
    def __init__(self, binary: str) -> None:
        self.proc = subprocess.Popen(
            [binary, "emulator", "--port", "0", "--exit-on-stdin-close"],
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
        )
        assert self.proc.stdout is not None
        line = self.proc.stdout.readline()
        if not line:
            raise SystemExit(f"the emulator ({binary}) did not start")
        self.url: str = json.loads(line)["url"]
        self.port = int(self.url.rsplit(":", 1)[1])

    def call(self, method: str, path: str, body: Any = None) -> Any:
        data = None if body is None else json.dumps(body).encode()
        req = urllib.request.Request(self.url + path, data=data, method=method, headers={"content-type": "application/json"})
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read() or b"null")

    def config(self, **kv: Any) -> None:
        self.call("POST", "/admin/config", kv)

    def counters(self) -> Dict[str, int]:
        return self.call("GET", "/admin/counters")  # type: ignore[no-any-return]

    def token(self) -> str:
        form = f"grant_type=client_credentials&client_id={CC_ID}&client_secret={CC_SECRET}".encode()
        req = urllib.request.Request(self.url + "/federation/auth/v1/token", data=form, method="POST")
        with urllib.request.urlopen(req, timeout=30) as r:
            return json.loads(r.read())["access_token"]  # type: ignore[no-any-return]

    def close(self) -> None:
        if self.proc.stdin:
            self.proc.stdin.close()
        try:
            self.proc.wait(5)
        except subprocess.TimeoutExpired:
            self.proc.kill()

    def open_connections(self) -> int:
        """Client-side TCP sockets to the emulator in state ESTABLISHED (from /proc/net/tcp)."""
        n = 0
        for f in ("/proc/net/tcp", "/proc/net/tcp6"):
            try:
                lines = open(f).read().splitlines()[1:]
            except OSError:
                continue
            for ln in lines:
                p = ln.split()
                if p[3] == "01" and int(p[2].rsplit(":", 1)[1], 16) == self.port:
                    n += 1
        return n


def our_client(emu: Emulator, asynchronous: bool) -> Any:
    import agenticstar

    cls = agenticstar.AsyncClient if asynchronous else agenticstar.Client
    return cls(
        provider=agenticstar.Provider.agenticstar(emu.url),
        client_id=CC_ID,
        client_secret=CC_SECRET,
        api_url=emu.url,
    )


# ---- end to end ---------------------------------------------------------------------------------

MESSAGES = [{"role": "user", "content": "benchmark"}]


def e2e(emu: Emulator) -> None:
    import httpx
    import openai
    from httpx_sse import aconnect_sse

    n_ours = 10_000 if QUICK else 100_000
    n_openai = max(n_ours // 5, 1000)  # the SDK is ~100x slower: fewer chunks, same per-chunk rate
    reps = 2 if QUICK else 3
    token = emu.token()
    url = emu.url
    loads = json.loads

    def expected_chars(n: int) -> int:
        return sum(len(SYNTHETIC[i % 4]) for i in range(n))

    async def raw_httpx(ac: Any) -> Tuple[int, int]:
        nbytes = 0
        async with ac.stream("POST", f"{url}/v1/chat/completions", json={"model": MODEL, "messages": MESSAGES, "stream": True},
                             headers={"authorization": f"Bearer {token}"}) as r:
            async for b in r.aiter_raw():
                nbytes += len(b)
        return 0, nbytes

    async def httpx_sse(ac: Any) -> Tuple[int, int]:
        n = chars = 0
        async with aconnect_sse(ac, "POST", f"{url}/v1/chat/completions", json={"model": MODEL, "messages": MESSAGES, "stream": True},
                                headers={"authorization": f"Bearer {token}"}) as es:
            async for sse in es.aiter_sse():
                if sse.data == "[DONE]":
                    continue  # read on to the end of the body, as the SDKs do
                d = loads(sse.data)
                c = d["choices"]
                n += 1
                chars += len((c[0]["delta"].get("content") or "") if c else "")
        return n, chars

    async def openai_async(oc: Any) -> Tuple[int, int]:
        n = chars = 0
        stream = await oc.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True)
        async for chunk in stream:
            n += 1
            chars += len((chunk.choices[0].delta.content or "") if chunk.choices else "")
        return n, chars

    def openai_sync(oc: Any) -> Tuple[int, int]:
        n = chars = 0
        for chunk in oc.chat.completions.create(model=MODEL, messages=MESSAGES, stream=True):
            n += 1
            chars += len((chunk.choices[0].delta.content or "") if chunk.choices else "")
        return n, chars

    async def ours_async(client: Any) -> Tuple[int, int]:
        n = chars = 0
        async with client.chat.stream(messages=MESSAGES) as stream:
            async for chunk in stream:
                n += 1
                chars += len(chunk.text)
        return n, chars

    def ours_sync(client: Any) -> Tuple[int, int]:
        n = chars = 0
        with client.chat.stream(messages=MESSAGES) as stream:
            for chunk in stream:
                n += 1
                chars += len(chunk.text)
        return n, chars

    rates: Dict[str, List[float]] = {}
    sizes: Dict[str, int] = {}
    # CPU per chunk: (this thread, the process's other threads, i.e. the SDK's runtime), in ns.
    cpu: Dict[str, List[Tuple[float, float]]] = {}

    def clocks() -> Tuple[float, float, float]:
        r = resource.getrusage(resource.RUSAGE_SELF)
        return time.perf_counter(), time.thread_time(), r.ru_utime + r.ru_stime

    def record(key: str, n: int, got: Tuple[int, int], start: Tuple[float, float, float]) -> None:
        end = clocks()
        secs, main_cpu, all_cpu = (e - s for e, s in zip(end, start))
        cpu.setdefault(key, []).append((main_cpu / (n + 1) * 1e9, (all_cpu - main_cpu) / (n + 1) * 1e9))
        if key != "raw":
            want = (n + 1, expected_chars(n))  # + the finish_reason chunk
            if got != want:
                raise SystemExit(f"end to end {key}: got {got} (chunks, chars), expected {want}")
        sizes[key] = n
        rates.setdefault(key, []).append((n + 1) / secs)
        if key == "raw":
            sizes["raw_bytes"] = got[1]

    async def run_async(key: str, n: int, f: Any, arg: Any) -> None:
        emu.config(stream_chunks=n)
        gc.collect()
        start = clocks()
        got = await f(arg)
        record(key, n, got, start)

    def run_sync(key: str, n: int, f: Any, arg: Any) -> None:
        emu.config(stream_chunks=n)
        gc.collect()
        start = clocks()
        got = f(arg)
        record(key, n, got, start)

    async def main() -> None:
        async with httpx.AsyncClient(timeout=120) as ac, our_client(emu, True) as ours, \
                openai.AsyncOpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0, timeout=300) as oa:
            with our_client(emu, False) as ours_s, openai.OpenAI(base_url=f"{url}/v1", api_key=token, max_retries=0, timeout=300) as os_:
                # Warm up every path (connection pools, token, imports) on a small stream.
                for f, arg in ((raw_httpx, ac), (httpx_sse, ac), (openai_async, oa), (ours_async, ours)):
                    emu.config(stream_chunks=100)
                    await f(arg)
                for g, arg in ((ours_sync, ours_s), (openai_sync, os_)):
                    g(arg)
                for rep in range(reps):
                    log(f"end to end, round {rep + 1}/{reps}")
                    await run_async("raw", n_ours, raw_httpx, ac)
                    await run_async("ours_async", n_ours, ours_async, ours)
                    run_sync("ours_sync", n_ours, ours_sync, ours_s)
                    await run_async("httpx_sse", n_ours, httpx_sse, ac)
                    await run_async("openai_async", n_openai, openai_async, oa)
                    run_sync("openai_sync", n_openai, openai_sync, os_)

    asyncio.run(main())
    med = {k: statistics.median(v) for k, v in rates.items()}
    bpc = sizes["raw_bytes"] / (n_ours + 1)  # SSE bytes per chunk (the generated events cycle, ~same size)

    def line(name: str, k: str, result: str = "", target: str = "") -> None:
        main_ns = statistics.median(c[0] for c in cpu[k])
        other_ns = statistics.median(c[1] for c in cpu[k])
        cpu_s = f"CPU per chunk {main_ns:,.0f} ns Python thread + {other_ns:,.0f} ns other threads"
        result = f"{result}; {cpu_s}" if result else cpu_s
        row(f"end to end ({sizes[k]} chunks, loopback HTTP/1.1): {name}", med[k] * bpc / 1e6, med[k], result, target)

    r_h = med["ours_async"] / med["httpx_sse"]
    r_o = med["ours_async"] / med["openai_async"]
    line("agenticstar `AsyncClient` `async for chunk in chat.stream()`", "ours_async",
         f"{r_h:.2f}x httpx-sse+json.loads, {r_o:.1f}x openai AsyncOpenAI; median of {reps}",
         ratio_target(r_h, 5, "httpx-sse+json.loads") + " · " + ratio_target(r_o, 50, "openai SDK stream"))
    r_hs = med["ours_sync"] / med["httpx_sse"]
    r_os = med["ours_sync"] / med["openai_sync"]
    line("agenticstar `Client` `for chunk in chat.stream()`", "ours_sync",
         f"{r_hs:.2f}x httpx-sse+json.loads (async), {r_os:.1f}x openai OpenAI (sync)")
    line("httpx AsyncClient + httpx-sse `aiter_sse` + json.loads", "httpx_sse")
    line(f"openai {openai.__version__} `AsyncOpenAI` stream", "openai_async")
    line(f"openai {openai.__version__} `OpenAI` (sync) stream", "openai_sync")
    line("control: httpx AsyncClient `aiter_raw` to EOF (no SSE decode)", "raw",
         f"{sizes['raw_bytes'] / 1e6:.1f} MB, {bpc:.0f} B per chunk; agenticstar async at "
         f"{med['ours_async'] / med['raw'] * 100:.0f}% of this")


# ---- cached get_token() -------------------------------------------------------------------------


def token_cost(emu: Emulator) -> None:
    n_sync = 20_000 if QUICK else 200_000
    n_async = 5_000 if QUICK else 50_000

    def per_call(f: Callable[[], Any], n: int) -> float:
        best = float("inf")
        for _ in range(3):
            t = time.perf_counter()
            for _ in range(n):
                f()
            best = min(best, (time.perf_counter() - t) / n)
        return best

    with our_client(emu, False) as client:
        client.get_token()
        native = client._native
        sync_ns = per_call(client.get_token, n_sync) * 1e9
        native_ns = per_call(lambda: native.get_token(False), n_sync) * 1e9
        current_ns = per_call(lambda: client.current_token, n_sync) * 1e9
    row("cached `Client.get_token()` (sync)", "", "", f"{sync_ns:,.0f} ns per call (`_native.get_token(False)` alone "
        f"{native_ns:,.0f} ns; `client.current_token`, no I/O path: {current_ns:,.0f} ns)",
        f"< 1 µs: {check(sync_ns < 1000, 'sync get_token < 1 µs')}")

    async def main() -> Tuple[float, float]:
        async with our_client(emu, True) as client:
            await client.get_token()
            best = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                for _ in range(n_async):
                    await client.get_token()
                best = min(best, (time.perf_counter() - t) / n_async)

            async def noop() -> None:
                return None

            floor = float("inf")
            for _ in range(3):
                t = time.perf_counter()
                for _ in range(n_async):
                    await noop()
                floor = min(floor, (time.perf_counter() - t) / n_async)
            return best * 1e9, floor * 1e9

    async_ns, floor_ns = asyncio.run(main())
    row("cached `await AsyncClient.get_token()`", "", "", f"{async_ns:,.0f} ns per call (awaiting a coroutine "
        f"that returns at once: {floor_ns:,.0f} ns)", f"< 1 µs: {check(async_ns < 1000, 'async get_token < 1 µs')}")


# ---- load: concurrent streams from one AsyncClient ----------------------------------------------


def load(emu: Emulator) -> None:
    streams = 200
    emu.call("POST", "/admin/reset")

    async def one(client: Any, i: int) -> Tuple[bool, float]:
        t = time.perf_counter()
        msg = f"load stream {i}"
        parts = []
        async with client.chat.stream(messages=[{"role": "user", "content": msg}]) as s:
            async for chunk in s:
                parts.append(chunk.text)
        ok = "".join(parts) == f"こんにちは！🌸 You said: {msg}" and s.finish_reason == "stop"
        return ok, time.perf_counter() - t

    async def main() -> None:
        async with our_client(emu, True) as client:
            before = emu.open_connections()
            for wave in (1, 2):
                t = time.perf_counter()
                res = await asyncio.gather(*(one(client, i) for i in range(streams)), return_exceptions=True)
                wall = time.perf_counter() - t
                good = sum(1 for r in res if isinstance(r, tuple) and r[0])
                errs = [r for r in res if isinstance(r, BaseException)]
                lat = sorted(r[1] for r in res if isinstance(r, tuple))
                c = emu.counters()
                conns = emu.open_connections() - before
                pct = (lambda q: lat[min(len(lat) - 1, int(q * len(lat)))] * 1e3) if lat else (lambda q: float("nan"))
                result = (f"{good}/{streams} complete and correct; token requests so far {c['saas.token']}; "
                          f"{conns} TCP connection(s) to the emulator open after the wave (/proc/net/tcp); stream time "
                          f"p50 {pct(0.5):.1f} ms · p99 {pct(0.99):.1f} ms; wall {wall * 1e3:.0f} ms")
                if errs:
                    result += f"; {len(errs)} error(s), first: {errs[0]!r}"[:300]
                ok = good == streams and c["saas.token"] == 1
                if not ok:
                    broken.append(f"load wave {wave}")
                row(f"load: {streams} concurrent `async for` streams, one AsyncClient (wave {wave}/2)", "",
                    si(streams / wall), result, f"all correct, 1 token request: {check(ok, f'load wave {wave}')}")

    asyncio.run(main())


def main() -> int:
    if len(sys.argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    corpus_dir, emulator = sys.argv[1], sys.argv[2]
    import agenticstar

    log(f"agenticstar {agenticstar.__version__} from {os.path.dirname(agenticstar.__file__)}")
    if "memory" in PARTS:
        log("in-memory decoding")
        memory(corpus_dir)
    if PARTS & {"e2e", "token", "load"}:
        emu = Emulator(emulator)
        try:
            if "e2e" in PARTS:
                log(f"end to end against {emu.url}")
                e2e(emu)
            if "token" in PARTS:
                log("cached get_token()")
                token_cost(emu)
            if "load" in PARTS:
                log("200 concurrent streams")
                load(emu)
        finally:
            emu.close()
    if failed:
        log(f"targets missed: {', '.join(failed)}")
    if broken:
        log(f"FAILED correctness checks: {', '.join(broken)}")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
