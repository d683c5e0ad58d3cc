"""The README's Python block runs as written, against the embedded model's recorded answers
(cassettes/recorded_runs/direct.yaml): a README that drifts from the API fails here."""

from __future__ import annotations

import re

import pytest
import vcr

from fdi_extract.settings import EMBEDDED_MODEL_NAME
from tests.conftest import REPLAY_BASE_URL, ROOT

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])


def test_the_readmes_python_block_runs(tmp_path, monkeypatch: pytest.MonkeyPatch, capsys) -> None:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    block = re.search(r"## Use it from Python\n+```python\n(.*?)```", readme, re.S)[1]
    # The embedded model's answers as recorded: the same requests, sent to the replay's address.
    for name, value in (
        ("MODEL", EMBEDDED_MODEL_NAME),
        ("BASE_URL", REPLAY_BASE_URL),
        ("MODE", "json"),
        ("STRATEGY", "direct"),
        ("API_KEY", "sk-test-not-a-real-key-0000000000"),
    ):
        monkeypatch.setenv(f"FDI_EXTRACT_{name}", value)
    monkeypatch.chdir(tmp_path)
    (tmp_path / "seeds").symlink_to(ROOT / "seeds")
    replay = vcr.VCR(record_mode="none", match_on=["method", "path", "body"])
    with replay.use_cassette(str(ROOT / "cassettes/recorded_runs/direct.yaml")):
        exec(compile(block, "README.md", "exec"), {})
    printed = capsys.readouterr().out
    assert "Sinoma (SUZHOU) Construction Co., Ltd." in printed
    assert (tmp_path / "out" / "python" / "report.html").is_file()
