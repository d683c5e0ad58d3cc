"""A user's mistakes on the command line: one line naming the file (and line) and what to do, exit 2, no
traceback; a malformed record is skipped and reported by every command that reads records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fdi_extract.cli import main

MENTION = json.dumps({"article_id": "a1", "published": "2024", "investors": [{"name": "Alpha", "name_normalized": "alpha"}]})


@pytest.fixture
def records(tmp_path: Path) -> Path:
    path = tmp_path / "mentions.jsonl"
    path.write_text(MENTION + "\n{not json\n" + json.dumps({"article_id": 5}) + "\n")
    return path


@pytest.mark.parametrize("command", ["reconcile", "report"])
def test_a_malformed_record_is_skipped_and_named(command: str, records: Path, tmp_path: Path, capsys) -> None:
    assert main([command, str(records), "--out", str(tmp_path / "out")]) == 0
    err = capsys.readouterr().err.replace("\n", "")
    assert f"{records}:2" in err and f"{records}:3" in err and "article_id" in err
    assert "Traceback" not in err


def test_eval_skips_a_malformed_record_and_takes_v_after_the_command(records: Path, capsys) -> None:
    gold = records.with_name("gold.jsonl")
    gold.write_text(json.dumps({"article": "a1", "deal": "d", "investors": ["Alpha"]}) + "\n")
    assert main(["eval", str(gold), str(records), "-v"]) == 0
    assert f"{records}:2" in capsys.readouterr().err.replace("\n", "")


@pytest.mark.parametrize(
    ("argv", "message"),
    [
        (["run", "{tmp}/nope-dir", "--out", "{tmp}/o"], "no such file or folder"),
        (["report", "{tmp}/nope.jsonl", "--out", "{tmp}/o"], "no such file or folder"),
        (["reconcile", "{tmp}/m.jsonl", "--out", "{tmp}/a-file"], "is a file; give a folder"),
    ],
)
def test_a_mistake_is_one_line_and_exit_2(argv: list[str], message: str, tmp_path: Path, capsys) -> None:
    (tmp_path / "m.jsonl").write_text(MENTION + "\n")
    (tmp_path / "a-file").write_text("")
    assert main([a.format(tmp=tmp_path) for a in argv]) == 2
    err = capsys.readouterr().err
    assert message in err and len(err.strip().splitlines()) == 1 and "Traceback" not in err


def test_an_unknown_setting_in_the_environment_is_named(tmp_path: Path, monkeypatch, capsys) -> None:
    (tmp_path / "m.jsonl").write_text(MENTION + "\n")
    monkeypatch.setenv("FDI_EXTRACT_STRATEGY", "bogus")
    assert main(["reconcile", str(tmp_path / "m.jsonl"), "--out", str(tmp_path / "o"), "--adjudicate"]) == 2
    assert "setting strategy" in capsys.readouterr().err


def test_concurrency_zero_and_version(capsys) -> None:
    with pytest.raises(SystemExit) as exit_info:
        main(["run", "x", "--out", "y", "--concurrency", "0"])
    assert exit_info.value.code == 2 and "must be 1 or more" in capsys.readouterr().err
    with pytest.raises(SystemExit) as exit_info:
        main(["--version"])
    assert exit_info.value.code == 0 and "fdi-extract" in capsys.readouterr().out
