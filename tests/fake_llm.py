"""A real HTTP server on 127.0.0.1 that answers chat completions from a script, for retry and error tests."""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from email.parser import BytesParser
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer


@dataclass
class Reply:
    status: int = 200
    content: str | None = None  # the assistant message; None for an error body
    headers: dict[str, str] = field(default_factory=dict)
    prompt_tokens: int = 100
    completion_tokens: int = 10
    delay: float = 0.0  # seconds before answering (longer than the client's timeout: a hang)
    drop: bool = False  # close the connection without an answer
    finish_reason: str = "stop"  # "length": an answer cut at the token limit
    empty_choices: bool = False
    error_message: str | None = None  # the error body's message, for a status other than 200


def completion(
    content: str,
    prompt_tokens: int = 100,
    completion_tokens: int = 10,
    finish_reason: str = "stop",
    empty_choices: bool = False,
) -> dict:
    choices = (
        []
        if empty_choices
        else [{"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}]
    )
    return {
        "id": "chatcmpl-test",
        "object": "chat.completion",
        "created": 0,
        "model": "test",
        "choices": choices,
        "usage": {
            "prompt_tokens": prompt_tokens,
            "completion_tokens": completion_tokens,
            "total_tokens": prompt_tokens + completion_tokens,
        },
    }


class _QuietServer(ThreadingHTTPServer):
    def handle_error(self, request: object, client_address: object) -> None:
        # A client that gave up (a timeout test) leaves the reply with nowhere to go: expected, so not printed.
        # Printing it from this thread also races CPython 3.11.7's ast-based traceback carets against the main
        # thread's imports (gh-106905: "AST constructor recursion depth mismatch").
        if not isinstance(sys.exc_info()[1], ConnectionError):
            super().handle_error(request, client_address)


@contextmanager
def _serving(handler: type[BaseHTTPRequestHandler], port: int = 0) -> Iterator[str]:
    server = _QuietServer(("127.0.0.1", port), handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1"
    finally:
        server.shutdown()
        server.server_close()


@contextmanager
def fake_llm(replies: list[Reply] | Callable[[dict], Reply], port: int = 0) -> Iterator[tuple[str, list[dict]]]:
    """Serve ``replies`` in order (the last one repeats), or the reply ``replies(body)`` gives for each
    request; yields the base URL and the request bodies seen."""
    seen: list[dict] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                seen.append(body)
                reply = replies(body) if callable(replies) else replies[min(len(seen), len(replies)) - 1]
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            payload = (
                completion(
                    reply.content,
                    reply.prompt_tokens,
                    reply.completion_tokens,
                    reply.finish_reason,
                    reply.empty_choices,
                )
                if reply.content is not None
                else {"error": {"message": reply.error_message or f"scripted {reply.status}", "type": "server_error"}}
            )
            data = json.dumps(payload).encode()
            self.send_response(reply.status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            for name, value in reply.headers.items():
                self.send_header(name, value)
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *args: object) -> None:
            pass

    with _serving(Handler, port) as url:
        yield url, seen


@dataclass
class BatchService:
    """What the fake Batch API was given: the request lines of each uploaded file, and its jobs."""

    uploaded: list[list[dict]] = field(default_factory=list)
    polls: int = 0


@contextmanager
def fake_openai_batch(
    answer: Callable[[dict], str | None], polls_until_done: int = 1
) -> Iterator[tuple[str, BatchService]]:
    """OpenAI's Files and Batches endpoints on 127.0.0.1. A job reports ``in_progress`` for its first
    ``polls_until_done`` polls, then ``completed``; ``answer(body)`` gives each request's assistant message,
    or None for a request that failed (it goes to the job's error file)."""
    service = BatchService()
    files: dict[str, bytes] = {}
    jobs: dict[str, dict] = {}
    lock = threading.Lock()

    def run(job: dict) -> None:
        out, failed = [], []
        for request in (json.loads(line) for line in files[job["input_file_id"]].decode().splitlines() if line):
            content = answer(request["body"])
            if content is None:
                failed.append(
                    {
                        "id": "r",
                        "custom_id": request["custom_id"],
                        "response": None,
                        "error": {"code": "server_error", "message": "scripted failure"},
                    }
                )
            else:
                out.append(
                    {
                        "id": "r",
                        "custom_id": request["custom_id"],
                        "error": None,
                        "response": {"status_code": 200, "request_id": "q", "body": completion(content)},
                    }
                )
        for kind, records in (("output", out), ("error", failed)):
            if records:
                files[f"{job['id']}-{kind}"] = "".join(json.dumps(r) + "\n" for r in records).encode()
                job[f"{kind}_file_id"] = f"{job['id']}-{kind}"
        job["status"] = "completed"
        job["request_counts"] = {"total": len(out) + len(failed), "completed": len(out), "failed": len(failed)}

    class Handler(BaseHTTPRequestHandler):
        def _send(self, payload: dict | bytes, status: int = 200) -> None:
            data = payload if isinstance(payload, bytes) else json.dumps(payload).encode()
            self.send_response(status)
            self.send_header(
                "Content-Type", "application/octet-stream" if isinstance(payload, bytes) else "application/json"
            )
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_POST(self) -> None:
            body = self.rfile.read(int(self.headers["Content-Length"]))
            with lock:
                if self.path.endswith("/files"):
                    upload = BytesParser().parsebytes(
                        b"Content-Type: " + self.headers["Content-Type"].encode() + b"\r\n\r\n" + body
                    )
                    content = next(
                        part.get_payload(decode=True)
                        for part in upload.get_payload()
                        if part.get_param("name", header="content-disposition") == "file"
                    )
                    file_id = f"file-{len(files)}"
                    files[file_id] = content
                    service.uploaded.append([json.loads(line) for line in content.decode().splitlines() if line])
                    self._send(
                        {
                            "id": file_id,
                            "object": "file",
                            "bytes": len(content),
                            "created_at": 0,
                            "filename": "requests.jsonl",
                            "purpose": "batch",
                            "status": "processed",
                        }
                    )
                elif self.path.endswith("/batches"):
                    fields = json.loads(body)
                    job = {
                        "id": f"batch_{len(jobs)}",
                        "object": "batch",
                        "endpoint": fields["endpoint"],
                        "input_file_id": fields["input_file_id"],
                        "completion_window": fields["completion_window"],
                        "status": "in_progress",
                        "created_at": 0,
                        "polls": 0,
                    }
                    jobs[job["id"]] = job
                    self._send({k: v for k, v in job.items() if k != "polls"})
                else:
                    self._send({"error": {"message": "unknown"}}, 404)

        def do_GET(self) -> None:
            with lock:
                parts = self.path.split("/")
                if "batches" in parts:
                    job = jobs[parts[-1]]
                    service.polls += 1
                    job["polls"] += 1
                    if job["status"] == "in_progress" and job["polls"] > polls_until_done:
                        run(job)
                    self._send({k: v for k, v in job.items() if k != "polls"})
                elif parts[-1] == "content":
                    self._send(files[parts[-2]])
                else:
                    self._send({"error": {"message": "unknown"}}, 404)

        def log_message(self, *args: object) -> None:
            pass

    with _serving(Handler) as url:
        yield url, service
