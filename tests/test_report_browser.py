"""report.html in a real browser: Debian's Chromium, headless (installed by .ci/run).

Outside CI the test is skipped when Chromium is missing; in CI (CI set) a missing browser is a failure.
"""

from __future__ import annotations

import json
import os
import re
import shutil
import struct
import subprocess
from pathlib import Path

import pytest

from fdi_extract.batch import run_batch
from fdi_extract.settings import Settings, Strategy
from tests.fake_llm import Reply, fake_llm

CHROMIUM = shutil.which("chromium") or shutil.which("chromium-browser")
pytestmark = [
    pytest.mark.block_network(allowed_hosts=["127\\.0\\.0\\.1"]),
    pytest.mark.skipif(CHROMIUM is None and not os.environ.get("CI"), reason="Chromium is not installed"),
]

# Three reports: two of one plant (a memorandum in dollars, then the construction start in tenge), one of another.
REPORTS = [
    (
        "a0",
        "2024-03-05",
        (
            "Alpha Machinery Co., Ltd. подписала меморандум о строительстве завода в Актюбинской области "
            "стоимостью 10 млн долларов США."
        ),
        "10 млн долларов США",
        "mou",
    ),
    (
        "a1",
        "2024-09-12",
        ("Alpha Machinery Co., Ltd. начала строительство завода в Актюбинской области стоимостью 4,6 млрд тенге."),
        "4,6 млрд тенге",
        "construction",
    ),
    (
        "a2",
        "2024-10-01",
        "Beta Cement Group построит цементный завод в Жамбылской области стоимостью 300 млн долларов США.",
        "300 млн долларов США",
        "agreement",
    ),
    (
        "a3",
        "2025-02-20",
        (
            "Gamma Solar Co., Ltd. подписала меморандум о строительстве солнечной станции в Туркестанской "
            "области стоимостью 50 млн долларов США."
        ),
        "50 млн долларов США",
        "mou",
    ),
]


PROJECTS = {"a0": "machinery plant", "a1": "machinery plant", "a2": "cement plant", "a3": "solar power station"}


def _browser(*arguments: str, user_data: Path) -> subprocess.CompletedProcess[str]:
    assert CHROMIUM is not None, "CI must install Debian's chromium (see .ci/run)"
    # The flags keep a root, offline, display-less Chromium from trying the network or a sandbox it cannot have.
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        f"--user-data-dir={user_data}",
    ]
    return subprocess.run([CHROMIUM, *flags, *arguments], capture_output=True, text=True, timeout=120, check=True)


def _png_size(path: Path) -> tuple[int, int]:
    header = path.read_bytes()[:24]
    assert header[:8] == b"\x89PNG\r\n\x1a\n"
    return struct.unpack(">II", header[16:24])


def _run_reports(tmp_path: Path) -> Path:
    """A run over REPORTS with a model that answers each article's own deal; its folder."""
    archive = tmp_path / "archive"
    archive.mkdir()
    replies = []
    for article_id, date, sentence, amount, stage in REPORTS:
        (archive / f"{article_id}.txt").write_text(f"date: {date}\n\nНовости региона. {sentence} Подробности позже.")
        investor = re.split(" подписала| начала| построит", sentence)[0]
        replies.append(
            Reply(
                content=json.dumps(
                    {
                        "deals": [
                            {"investor": investor, "project": PROJECTS[article_id], "amount": amount, "stage": stage}
                        ]
                    }
                )
            )
        )
    with fake_llm(replies) as (url, _):
        summary = run_batch(
            [archive], tmp_path / "out", Settings(base_url=url, model="fake", strategy=Strategy.direct), concurrency=1
        )
    assert (summary.done, summary.deals) == (4, 3)
    return tmp_path


def test_the_report_renders_in_chromium_with_its_deals_conflicts_and_highlights(tmp_path: Path) -> None:
    page = _run_reports(tmp_path) / "out" / "report.html"

    dom = _browser("--dump-dom", page.as_uri(), user_data=tmp_path / "profile").stdout
    assert dom.count('<section class="deal"') == 3
    cards = dom[dom.index('<section class="deal"') :]
    alpha = cards[cards.index("Alpha Machinery") : cards.index("Beta Cement")]
    assert "<caption>Conflicts</caption>" in alpha and "4,6 млрд тенге" in alpha and "10 млн долларов США" in alpha
    assert alpha.index("2024-03-05 mou") < alpha.index("2024-09-12 construction")  # the timeline in date order
    assert '<mark class="amount">4,6 млрд тенге</mark>' in alpha
    assert (
        '<details class="reasons">' in alpha and "stage construction: “начала строительств” in its sentences" in alpha
    )

    # The overview: four charts, and the deals table that the page's script sorts and filters.
    assert sorted(re.findall(r'data-chart="(\w+)"', dom)) == ["region", "sector", "stage", "year"]
    assert dom.count("<rect") >= 4 * 2 and "3 deals, $" in dom
    assert "3 of 3 deals shown" in dom

    screenshot = tmp_path / "report.png"
    _browser(f"--screenshot={screenshot}", "--window-size=1280,1600", page.as_uri(), user_data=tmp_path / "profile")
    assert _png_size(screenshot) == (1280, 1600) and screenshot.stat().st_size > 20_000  # a page, not a blank


def _visible_rows(dom: str) -> list[str]:
    """The investors of the table rows the script left visible, in their order on the page."""
    rows = re.findall(r'<tr id="row-[^"]*"([^>]*)>', dom)
    return [
        re.search(r'data-investor="([^"]*)"', attributes).group(1).split()[0]
        for attributes in rows
        if " hidden" not in attributes
    ]


@pytest.mark.parametrize(
    ("view", "expected"),
    [
        ("sort=-usd", ["Beta", "Gamma", "Alpha"]),  # Alpha's 4,6 млрд тенге is about $9 M at 2024's rate
        ("sort=usd", ["Alpha", "Gamma", "Beta"]),
        ("sort=investor", ["Alpha", "Beta", "Gamma"]),
        ("stage=mou", ["Gamma"]),
        ("min=20&max=100", ["Gamma"]),
        ("investor=beta&sort=-usd", ["Beta"]),
        ("region=KZ-15", ["Alpha"]),
        ("sort=project", ["Beta", "Alpha", "Gamma"]),  # cement, machinery, solar
    ],
)
def test_the_deals_table_sorts_and_filters_in_chromium(
    tmp_path: Path, view: str, expected: list[str], report_page: Path
) -> None:
    dom = _browser("--dump-dom", f"{report_page.as_uri()}#{view}", user_data=tmp_path / "profile").stdout
    assert _visible_rows(dom) == expected
    assert f"{len(expected)} of 3 deals shown" in dom


@pytest.fixture(scope="module")
def report_page(tmp_path_factory: pytest.TempPathFactory) -> Path:
    return _run_reports(tmp_path_factory.mktemp("report")) / "out" / "report.html"


def _chart_labels(dom: str, chart: str) -> list[str]:
    """The bar labels of one overview chart as the page's script drew them."""
    drawn = re.search(rf'data-chart="{chart}".*?<svg[^>]*>(.*?)</svg>', dom, re.S)[1]
    return re.findall(r"<title>([^<]*)</title>", drawn)


def test_the_charts_follow_the_filters_in_chromium(tmp_path: Path, report_page: Path) -> None:
    everything = _browser("--dump-dom", report_page.as_uri(), user_data=tmp_path / "profile").stdout
    assert _chart_labels(everything, "stage") == ["Announced", "Memorandum", "Under construction"]
    assert len(_chart_labels(everything, "region")) == 3
    memoranda = _browser("--dump-dom", f"{report_page.as_uri()}#stage=mou", user_data=tmp_path / "profile").stdout
    assert _chart_labels(memoranda, "stage") == ["Memorandum"]
    assert _chart_labels(memoranda, "region") == ["Turkistan Region (KZ-61)"]
