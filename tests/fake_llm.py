"""A real HTTP server on 127.0.0.1 that answers chat completions from a script, for retry and error tests."""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
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


def completion(content: str, prompt_tokens: int = 100, completion_tokens: int = 10, finish_reason: str = "stop",
               empty_choices: bool = False) -> dict:
    choices = [] if empty_choices else [
        {"index": 0, "message": {"role": "assistant", "content": content}, "finish_reason": finish_reason}
    ]
    return {
        "id": "chatcmpl-test", "object": "chat.completion", "created": 0, "model": "test",
        "choices": choices,
        "usage": {"prompt_tokens": prompt_tokens, "completion_tokens": completion_tokens,
                  "total_tokens": prompt_tokens + completion_tokens},
    }


@contextmanager
def fake_llm(replies: list[Reply], port: int = 0) -> Iterator[tuple[str, list[dict]]]:
    """Serve ``replies`` in order (the last one repeats); yields the base URL and the request bodies seen."""
    seen: list[dict] = []
    lock = threading.Lock()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            with lock:
                seen.append(body)
                reply = replies[min(len(seen), len(replies)) - 1]
            if reply.delay:
                time.sleep(reply.delay)
            if reply.drop:
                self.close_connection = True
                self.connection.shutdown(2)
                return
            payload = (
                completion(reply.content, reply.prompt_tokens, reply.completion_tokens, reply.finish_reason,
                           reply.empty_choices)
                if reply.content is not None
                else {"error": {"message": f"scripted {reply.status}", "type": "server_error"}}
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

    server = ThreadingHTTPServer(("127.0.0.1", port), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}/v1", seen
    finally:
        server.shutdown()
        server.server_close()
