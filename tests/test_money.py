"""Money phrases: real ones from the seeds and the dev corpus, then hard cases written for the purpose."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st

from fdi_extract.normalize import parse_money

B, M, K = 1e9, 1e6, 1e3

REAL = [
    ("Инвесторы намерены вложить свыше 134 миллиардов тенге в ряд сфер", [(134 * B, "KZT", "at_least")]),
    ("на первом этапе инвестиции составят 30 миллионов долларов США.", [(30 * M, "USD", "exact")]),
    ("должна привлечь не менее 1,5 триллиона тенге инвестиций", [(1.5e12, "KZT", "at_least")]),
    ("Общая стоимость инвестиций составила 218,8 млн долларов США.", [(218.8 * M, "USD", "exact")]),
    ("Его стоимость – 171 млн долларов США.", [(171 * M, "USD", "exact")]),
    ("Стоимость проекта – 47,8 млн долларов США.", [(47.8 * M, "USD", "exact")]),
    ("Стоимость – 220 млн долларов.", [(220 * M, "USD", "exact")]),
    ("трех крупных проектов на общую сумму в 300,7 млн долларов.", [(300.7 * M, "USD", "exact")]),
    ("Его стоимость составляет 140,7 млн долларов, а реализация", [(140.7 * M, "USD", "exact")]),
    ("Сумма инвестиций – 160 млн долларов.", [(160 * M, "USD", "exact")]),
    ("Стоимость проекта составляет 5 миллионов долларов США.", [(5 * M, "USD", "exact")]),
    ("Стоимость проекта составляет 50 миллионов долларов США.", [(50 * M, "USD", "exact")]),
    ("15 меморандумов на сумму 1,568 млрд долларов.", [(1.568 * B, "USD", "exact")]),
    ("Объем инвестиций составит около 420 млрд тенге.", [(420 * B, "KZT", "about")]),
    ("is estimated to reach 420 billion tenge.", [(420 * B, "KZT", "exact")]),
    ("парка с объемом вложений $800 млн и мощностью", [(800 * M, "USD", "exact")]),
    ("Стоимость инвестиций составляет 175 млрд тенге.", [(175 * B, "KZT", "exact")]),
    ("The investment amount is 800 million US dollars.", [(800 * M, "USD", "exact")]),
    ("in the Turkestan region worth 420 million US dollars.", [(420 * M, "USD", "exact")]),
    ("The investment volume will be 89 million US dollars.", [(89 * M, "USD", "exact")]),
    ("Dalian Hesheng Holdings will invest 650 million US dollars", [(650 * M, "USD", "exact")]),
    ("is set to inject $800 million in the construction", [(800 * M, "USD", "exact")]),
    ("a cotton cluster in Turkistan region worth $420 million.", [(420 * M, "USD", "exact")]),
    ("is set to invest $650 million in the construction", [(650 * M, "USD", "exact")]),
    ("Investments in the project are expected to reach $3.7 billion.", [(3.7 * B, "USD", "exact")]),
    ("plant with $89 million to be invested", [(89 * M, "USD", "exact")]),
    (
        "стоимостью более 20 млрд тенге (около $6млн) планируется",
        [(20 * B, "KZT", "at_least"), (6 * M, "USD", "about")],
    ),
    ("Инвесторы вложат в строительство более 50 миллионов долларов.", [(50 * M, "USD", "at_least")]),
    ("It is expected to channel USD 50,290,700 of investments", [(50_290_700, "USD", "exact")]),
    ("товарооборот превысил 4,2 миллиарда долларов.", [(4.2 * B, "USD", "exact")]),
    ("показатель может перевалить за 5 миллиардов долларов.", [(5 * B, "USD", "exact")]),
    ("increase the volume of bilateral trade to $10 billion by 2020.", [(10 * B, "USD", "exact")]),
    ("the trade turnover exceeded $4.2 billion.", [(4.2 * B, "USD", "exact")]),
    ("7 projects whose total value is around $700 in Jizzakh", [(700, "USD", "about")]),
    ("отремонтировать дороги на 67 улицах на сумму 8 млрд тенге.", [(8 * B, "KZT", "exact")]),
    ("задолженность порядка полмиллиарда тенге перед", [(0.5 * B, "KZT", "about")]),
    ("задолженность составляла почти миллиард тенге.", [(1 * B, "KZT", "about")]),
    ("довести объемы торговли до 10 миллиардов долларов.", [(10 * B, "USD", "up_to")]),
    ("Kazakhstan and China sign 58 documents worth over USD24 bln", [(24 * B, "USD", "at_least")]),
]

HARD = [
    ("50 290 700 тенге", [(50_290_700, "KZT", "exact")]),
    ("50\u00a0290\u00a0700 тенге", [(50_290_700, "KZT", "exact")]),
    ("$ 171 млн", [(171 * M, "USD", "exact")]),
    ("3 млрд долл.", [(3 * B, "USD", "exact")]),
    ("US$1.5 bn", [(1.5 * B, "USD", "exact")]),
    ("€800 млн", [(800 * M, "EUR", "exact")]),
    ("800 млн евро", [(800 * M, "EUR", "exact")]),
    ("1 млрд 200 млн тенге", [(1.2 * B, "KZT", "exact")]),
    ("20–25 млн долларов", [(20 * M, "USD", "exact")]),
    ("от 20 до 25 млн долларов США", [(20 * M, "USD", "exact")]),
    ("до 25 млн юаней", [(25 * M, "CNY", "up_to")]),
    ("10 000 сум", [(10 * K, "UZS", "exact")]),
    ("2,5 трлн сумов", [(2.5e12, "UZS", "exact")]),
    ("300 млн сомов", [(300 * M, "KGS", "exact")]),
    ("12 млн сомони", [(12 * M, "TJS", "exact")]),
    ("5 млрд рублей", [(5 * B, "RUB", "exact")]),
    ("5 млрд руб.", [(5 * B, "RUB", "exact")]),
    ("1 000 ₸", [(1 * K, "KZT", "exact")]),
    ("₸2 млрд", [(2 * B, "KZT", "exact")]),
    ("KZT 15 billion", [(15 * B, "KZT", "exact")]),
    ("15 bn KZT", [(15 * B, "KZT", "exact")]),
    ("CNY 300 million", [(300 * M, "CNY", "exact")]),
    ("300 million yuan", [(300 * M, "CNY", "exact")]),
    ("134 миллиард теңгеден астам", [(134 * B, "KZT", "at_least")]),
    ("шамамен 50 млн АҚШ доллары", [(50 * M, "USD", "about")]),
    ("2 млрд теңге", [(2 * B, "KZT", "exact")]),
    ("more than $1.2 billion", [(1.2 * B, "USD", "at_least")]),
    ("up to $500 million", [(500 * M, "USD", "up_to")]),
    ("approximately $2bn", [(2 * B, "USD", "about")]),
    ("the $50M deal", [(50 * M, "USD", "exact")]),
    ("US$1,200 million", [(1.2 * B, "USD", "exact")]),
    ("USD 1,500", [(1500, "USD", "exact")]),
    ("$1,500,000", [(1.5 * M, "USD", "exact")]),
    ("1.500.000 евро", [(1.5 * M, "EUR", "exact")]),
    ("примерно 12,5 млн долларов", [(12.5 * M, "USD", "about")]),
    ("порядка 3 млрд тенге", [(3 * B, "KZT", "about")]),
    ("более чем 100 млн долларов", [(100 * M, "USD", "at_least")]),
    ("не менее 40 млн долларов", [(40 * M, "USD", "at_least")]),
    ("45 тыс. долларов", [(45 * K, "USD", "exact")]),
    ("45 тысяч долларов", [(45 * K, "USD", "exact")]),
    ("2 миллиона долларов", [(2 * M, "USD", "exact")]),
    ("7 млн. долларов", [(7 * M, "USD", "exact")]),
    ("полмиллиона долларов", [(0.5 * M, "USD", "exact")]),
    ("100 million roubles", [(100 * M, "RUB", "exact")]),
    ("1 200 млрд тенге и 300 млн долларов", [(1.2e12, "KZT", "exact"), (300 * M, "USD", "exact")]),
]

NOT_MONEY = [
    "в 2025 году",
    "5000 тонн клинкера в сутки",
    "мощностью 200 мегаватт",
    "65 новых рабочих мест",
    "опередив Россию (18,1%)",
    "от 500 тыс. до 1 млн тонн",
    "на сумму, которую не назвали",
    "17 ветровых генераторов мощностью 2,5 кВт",
    "2018-2019 годы",
]


@pytest.mark.parametrize(("phrase", "expected"), REAL + HARD)
def test_money_phrase(phrase: str, expected: list[tuple[float, str, str]]) -> None:
    found = parse_money(phrase)
    assert [(m.currency, m.qualifier.value) for m in found] == [(c, q) for _, c, q in expected]
    assert [m.value for m in found] == pytest.approx([v for v, _, _ in expected])
    for money in found:
        assert phrase[money.start : money.end] == money.text


def test_table_holds_at_least_80_phrases() -> None:
    assert len(REAL) + len(HARD) >= 80


@pytest.mark.parametrize("phrase", NOT_MONEY)
def test_not_money(phrase: str) -> None:
    assert parse_money(phrase) == []


def test_range_keeps_its_top() -> None:
    (money,) = parse_money("20–25 млн долларов")
    assert (money.value, money.value_max) == (20e6, 25e6)


_SCALES = {"млн": 1e6, "млрд": 1e9, "million": 1e6, "billion": 1e9}


@given(
    whole=st.integers(min_value=1, max_value=999),
    tenths=st.integers(min_value=0, max_value=9),
    scale=st.sampled_from(sorted(_SCALES)),
    currency=st.sampled_from([("долларов США", "USD"), ("тенге", "KZT"), ("US dollars", "USD"), ("юаней", "CNY")]),
)
def test_round_trip_decimal_comma_and_point(whole: int, tenths: int, scale: str, currency: tuple[str, str]) -> None:
    separator = "," if scale in ("млн", "млрд") else "."
    phrase = f"{whole}{separator}{tenths} {scale} {currency[0]}"
    (money,) = parse_money(f"Стоимость – {phrase}.")
    assert money.value == pytest.approx((whole + tenths / 10) * _SCALES[scale])
    assert money.currency == currency[1]
    assert money.text == phrase


@given(value=st.integers(min_value=1_000, max_value=999_999_999), grouping=st.sampled_from([" ", "\u00a0", ","]))
def test_round_trip_thousands_separators(value: int, grouping: str) -> None:
    written = f"{value:,}".replace(",", grouping)
    (money,) = parse_money(f"It is expected to channel USD {written} of investments")
    assert money.value == value


@given(st.text(max_size=200))
def test_never_raises_on_any_text(text: str) -> None:
    for money in parse_money(text):
        assert money.value >= 0
        assert text[money.start : money.end] == money.text


def test_every_currency_and_qualifier_of_the_table_reads_its_examples() -> None:
    from fdi_extract.normalize.money import MONEY_WORDS

    for code, currency in MONEY_WORDS["currencies"].items():
        for phrase in currency["match"]:
            assert [m.currency for m in parse_money(phrase)] == [code], phrase
    for name, qualifier in MONEY_WORDS["qualifiers"].items():
        for phrase in qualifier["match"]:
            assert [m.qualifier.value for m in parse_money(phrase)] == [name], phrase
