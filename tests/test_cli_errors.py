"""A user's mistakes on the command line: one line naming the file (and line) and what to do, exit 2, no
traceback; a malformed record is skipped and reported by every command that reads records."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from fdi_extract.cli import main

pytestmark = pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"])

MENTION = json.dumps(
    {"article_id": "a1", "published": "2024", "investors": [{"name": "Alpha", "name_normalized": "alpha"}]},
    ensure_ascii=False,
)


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


def test_a_gold_line_that_is_no_gold_deal_is_named_by_file_and_line(records: Path, capsys) -> None:
    gold = records.with_name("gold.jsonl")
    gold.write_text(json.dumps({"article": "a1", "deal": "d"}) + "\n\n" + json.dumps({"deal": "e"}) + "\n")
    assert main(["eval", str(gold), str(records)]) == 2
    err = capsys.readouterr().err.replace("\n", "")
    assert f"{gold}:3: not a gold record (article: Field required)" in err
    assert "setting" not in err and "Traceback" not in err


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


def test_a_failed_run_names_each_failed_article_and_its_cause(tmp_path: Path, monkeypatch, capsys) -> None:
    from tests.fake_llm import Reply, fake_llm
    from tests.test_batch import _archive

    monkeypatch.setenv("FDI_EXTRACT_RETRY", '{"max_attempts": 1}')
    archive = _archive(tmp_path, 3)
    with fake_llm([Reply(500)]) as (url, _):
        code = main(
            [
                "run",
                str(archive),
                "--out",
                str(tmp_path / "out"),
                "--base-url",
                url,
                "--model",
                "m",
                "--strategy",
                "direct",
            ]
        )
    err = capsys.readouterr().err
    assert code == 1 and err.count("failed a000") == 3 and "InternalServerError" in err
    # Not a terminal here: plain progress lines instead of a bar.
    assert "extracting: 3 of 3 articles, 3 failed" in err
    summary = json.loads((tmp_path / "out" / "summary.json").read_text())
    assert len(summary["failures"]) == 3 and all("InternalServerError" in f for f in summary["failures"])


def test_extract_into_an_existing_file_keeps_it_when_articles_fail(tmp_path: Path, monkeypatch, capsys) -> None:
    from tests.fake_llm import Reply, fake_llm

    monkeypatch.setenv("FDI_EXTRACT_RETRY", '{"max_attempts": 1}')
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text("Компания Alpha Co., Ltd. построит завод за 10 млн долларов.")
    output = tmp_path / "mentions.jsonl"
    output.write_text(MENTION + "\n")
    with fake_llm([Reply(500)]) as (url, _):
        code = main(
            [
                "extract",
                str(tmp_path / "in"),
                "-o",
                str(output),
                "--base-url",
                url,
                "--model",
                "m",
                "--strategy",
                "direct",
                "--no-table",
            ]
        )
    assert code == 1 and output.read_text() == MENTION + "\n"
    assert "left as it was" in capsys.readouterr().err and (tmp_path / "mentions.jsonl.partial").exists()


def test_report_outputs_are_replaced_whole_or_not_at_all(tmp_path: Path) -> None:
    from fdi_extract.model import DealMention
    from fdi_extract.reconcile import reconcile
    from fdi_extract.report import write_outputs

    mention = DealMention.model_validate_json(MENTION)
    write_outputs(tmp_path, [mention], reconcile([mention]), lambda _: "text")
    before = {p.name: p.read_bytes() for p in tmp_path.iterdir()}

    def failing(_: str) -> str:
        raise OSError("disk full")

    with pytest.raises(OSError):
        write_outputs(tmp_path, [mention], reconcile([mention]), failing)
    assert {p.name: p.read_bytes() for p in tmp_path.iterdir()} == before  # no partial file left behind either


def test_extract_to_standard_output_and_report_with_nothing_to_report(tmp_path: Path, capsys) -> None:
    from tests.fake_llm import Reply, fake_llm

    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a.txt").write_text(
        "Компания Alpha Co., Ltd. построит завод в Алматинской области за 10 млн долларов."
    )
    answer = json.dumps({"deals": [{"investor": "Alpha Co., Ltd.", "project": "plant", "amount": "10 млн долларов"}]})
    with fake_llm([Reply(content=answer)]) as (url, _):
        code = main(["extract", str(tmp_path / "in"), "-o", "-", "--base-url", url, "--model", "m"])
    printed = capsys.readouterr()
    assert code == 0 and not (tmp_path / "-").exists() and not Path("-").exists()
    assert [json.loads(line)["investors"][0]["name"] for line in printed.out.splitlines()] == ["Alpha Co., Ltd."]
    assert "1 article, 0 failed, 1 mention → standard output" in printed.err
    empty = tmp_path / "empty.jsonl"
    empty.write_text("")
    assert main(["report", str(empty), "--out", str(tmp_path / "page")]) == 2
    assert "nothing to report" in capsys.readouterr().err


def test_a_report_from_mention_records_shows_the_articles_given_with_articles(tmp_path: Path, capsys) -> None:
    from fdi_extract.model import DealMention

    text = "Компания Alpha Co., Ltd. построит завод за 10 млн долларов."
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "a1.txt").write_text(text)
    start = text.index("10 млн")
    mention = DealMention.model_validate(
        json.loads(MENTION)
        | {"evidence": [{"quote": "10 млн долларов", "start": start, "end": start + 15, "field": "amount"}]}
    )
    records = tmp_path / "records.jsonl"
    records.write_text(mention.model_dump_json() + "\n")
    out = tmp_path / "page"
    assert main(["report", str(records), "--out", str(out), "--articles", str(tmp_path / "in")]) == 0
    assert '<mark class="amount">10 млн долларов</mark>' in (out / "report.html").read_text(encoding="utf-8")


def test_a_small_mention_file_is_reconciled_in_this_process(records: Path, tmp_path: Path) -> None:
    from fdi_extract.cli import _SMALL_INPUT_BYTES, _workers_for
    from fdi_extract.reconcile.workers import all_cores

    out = tmp_path / "out"
    assert _workers_for([records], out) == 1
    large = tmp_path / "large.jsonl"
    with large.open("wb") as handle:
        handle.truncate(_SMALL_INPUT_BYTES)
    assert _workers_for([records, large], out) == all_cores()
    # A day's few mentions into the folder of a large archive: the archive is linked again with them.
    out.mkdir()
    large.rename(out / "mentions.jsonl")
    assert _workers_for([records], out) == all_cores()
