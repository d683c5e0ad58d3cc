"""Batch throughput against a loopback OpenAI-compatible server that answers after a fixed delay.

    .venv/bin/python bench/throughput.py [--articles 1000] [--concurrency 32] [--delay 0.5]

The server (a separate process, so its CPU is not counted as the library's) answers every request with
a real response of the embedded model to seed 004, from the recorded run of the direct strategy
(cassettes/recorded_runs/direct.yaml), after --delay seconds. The articles are
seed 004 with a distinct closing line each, so none is served from the cache on the first run. With one
LLM call per article the floor is articles / concurrency × delay (1000 / 32 × 0.5 = 15.6 s).

Prints the wall time and the library's own CPU per article for the first run, then the wall time of a
re-run of the same articles from the result cache.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import json
import multiprocessing
import pstats
import resource
import sqlite3
import tempfile
import time
from collections import defaultdict
from collections.abc import Awaitable, Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import openai
import yaml

from fdi_extract.batch import run_batch
from fdi_extract.extract.schema import FoundDeals
from fdi_extract.llm import LLM
from fdi_extract.settings import Settings, Strategy

ROOT = Path(__file__).resolve().parents[1]
CASSETTE = ROOT / "cassettes/recorded_runs/direct.yaml"
SEED = next((ROOT / "seeds").glob("004_*.txt"))


def recorded_answer() -> bytes:
    """The recorded response to the request that sent seed 004 (its last line is in no other article)."""
    last_line = SEED.read_text(encoding="utf-8").strip().splitlines()[-1].strip()
    for interaction in yaml.safe_load(CASSETTE.read_text(encoding="utf-8"))["interactions"]:
        request = json.loads(interaction["request"]["body"])
        if any(last_line in str(message["content"]) for message in request["messages"]):
            body = interaction["response"]["body"]["string"]
            return body.encode() if isinstance(body, str) else body
    raise SystemExit(f"{CASSETTE} holds no answer to {SEED.name}: record the run again (bench/accuracy.py --replay)")


def serve(port: int, answer: bytes, delay: float, ready: multiprocessing.Event) -> None:
    class Handler(BaseHTTPRequestHandler):
        protocol_version = "HTTP/1.1"

        def do_POST(self) -> None:
            self.rfile.read(int(self.headers["Content-Length"]))
            time.sleep(delay)
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(answer)))
            self.end_headers()
            self.wfile.write(answer)

        def log_message(self, *args: object) -> None:
            pass

    ThreadingHTTPServer.request_queue_size = 256
    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    ready.set()
    server.serve_forever()


def print_self_time_by_package(profiler: cProfile.Profile) -> None:
    """Self time of every profiled function, summed by the package its file belongs to."""
    by_package: dict[str, float] = defaultdict(float)
    for (path, _, _), (_, _, self_time, _, _) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        if "site-packages/" in path:
            package = path.split("site-packages/")[1].split("/")[0]
        elif "/fdi_extract/" in path:
            package = "fdi_extract"
        else:
            package = "C functions" if path.startswith(("~", "<")) else "standard library"
        by_package[package] += self_time
    total = sum(by_package.values())
    for package, seconds in sorted(by_package.items(), key=lambda item: -item[1])[:10]:
        print(f"  {package:20s} {seconds:6.2f} s  {100 * seconds / total:4.1f}% of profiled self time")


def cpu_seconds() -> float:
    usage = resource.getrusage(resource.RUSAGE_SELF)
    return usage.ru_utime + usage.ru_stime


def stack_cpu(settings: Settings, seed: str, requests: int, concurrency: int) -> tuple[float, float]:
    """CPU per request, in ms, of the same chat request sent by (1) the openai client as it comes
    (``chat.completions.create`` on its default httpx transport, no parsing) and (2) our LLM.ask (the
    SDK's aiohttp transport and ``post``, Instructor's parsing and validation into the answer model)."""

    async def send(ask: Callable[[int], Awaitable[object]]) -> float:
        limit = asyncio.Semaphore(concurrency)

        async def one(i: int) -> None:
            async with limit:
                await ask(i)

        started = cpu_seconds()
        await asyncio.gather(*(one(i) for i in range(requests)))
        return (cpu_seconds() - started) / requests * 1000

    async def measure() -> tuple[float, float]:
        llm = LLM(settings)
        messages = [{"role": "user", "content": seed}]
        bare = openai.AsyncOpenAI(base_url=settings.base_url, api_key="not-needed", max_retries=0)
        body = llm.request_body(FoundDeals, messages)
        await bare.chat.completions.create(**body)  # warm: imports and the connection pool
        await llm.ask(FoundDeals, messages)
        try:
            return (
                await send(lambda i: bare.chat.completions.create(**body)),
                await send(lambda i: llm.ask(FoundDeals, messages)),
            )
        finally:
            await bare.close()
            await llm.aclose()

    return asyncio.run(measure())


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--articles", type=int, default=1000)
    parser.add_argument("--concurrency", type=int, default=32)
    parser.add_argument("--delay", type=float, default=0.5)
    parser.add_argument("--port", type=int, default=18231)
    parser.add_argument(
        "--stack",
        action="store_true",
        help="also measure the CPU of one request through the openai client as it comes and through LLM.ask",
    )
    parser.add_argument(
        "--profile",
        action="store_true",
        help="profile the first run and print where its CPU goes, by package (slower: not for the figures)",
    )
    args = parser.parse_args()
    seed = SEED.read_text(encoding="utf-8")
    ready = multiprocessing.Event()
    server = multiprocessing.Process(target=serve, args=(args.port, recorded_answer(), args.delay, ready), daemon=True)
    server.start()
    ready.wait(10)
    settings = Settings(
        base_url=f"http://127.0.0.1:{args.port}/v1",
        model="qwen2.5-coder-1.5b-instruct-q4_k_m",
        strategy=Strategy.direct,
        api_key="not-needed",
    )
    try:
        with tempfile.TemporaryDirectory() as work:
            archive = Path(work) / "archive.jsonl"
            with archive.open("w", encoding="utf-8") as out:
                for i in range(args.articles):
                    out.write(
                        json.dumps(
                            {"id": f"t{i:05d}", "date": "2025-05-21", "text": f"{seed}\n\nArticle {i}."},
                            ensure_ascii=False,
                        )
                        + "\n"
                    )
            run_dir = Path(work) / "run"
            profiler = cProfile.Profile(time.process_time) if args.profile else None  # CPU, not waiting
            cpu, wall = cpu_seconds(), time.perf_counter()
            if profiler:
                profiler.enable()
            summary = run_batch([archive], run_dir, settings, concurrency=args.concurrency)
            if profiler:
                profiler.disable()
            wall, cpu = time.perf_counter() - wall, cpu_seconds() - cpu
            assert summary.done == args.articles and summary.from_cache == 0, summary.as_dict()
            with sqlite3.connect(run_dir / "store.sqlite") as db:
                db.execute("UPDATE articles SET status = 'pending'")
            cached_wall = time.perf_counter()
            again = run_batch([archive], run_dir, settings, concurrency=args.concurrency)
            cached_wall = time.perf_counter() - cached_wall
            assert again.from_cache == args.articles, again.as_dict()
    finally:
        server.terminate()
    if profiler:
        print_self_time_by_package(profiler)
    floor = args.articles / args.concurrency * args.delay
    print(f"mentions {summary.mentions}, deals {summary.deals}; floor {floor:.1f} s")
    if args.stack:
        server = multiprocessing.Process(
            target=serve, args=(args.port, recorded_answer(), args.delay, ready), daemon=True
        )
        ready.clear()
        server.start()
        ready.wait(10)
        try:
            bare, through_llm = stack_cpu(settings, seed, args.articles, args.concurrency)
        finally:
            server.terminate()
        print(
            f"the same request, CPU per request: openai chat.completions.create alone {bare:.1f} ms, "
            f"LLM.ask with parsing and validation {through_llm:.1f} ms"
        )
    print(
        f"library CPU {cpu / args.articles * 1000:.1f} ms per article "
        "(all in-process work: extraction, store, reconcile, report)"
    )
    print(f"re-run of the same {args.articles} from cache in {cached_wall:.1f} s wall")
    print(f"{args.articles} articles in {wall:.1f} s wall")


if __name__ == "__main__":
    main()
