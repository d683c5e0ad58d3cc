"""Company names → a canonical key, so spellings of one company compare equal.

"SUNGROW Renewables Development Co., Ltd", "Sungrow Renewables" and "Сангроу" differ in case,
legal form and script. The key folds case, punctuation and legal forms and transliterates
Cyrillic to Latin: a Chinese name written in Palladius syllables as the pinyin English text uses
("Хэбэйское ООО «Бай Доу Цзя»" → hebei bai dou jia), anything else by unidecode; :func:`same_company`
then compares keys with rapidfuzz and with a consonant skeleton that survives the vowel guesses
transliteration makes (Сангроу → sangrou vs sungrow, Heangshui vs Hengshui).
"""

from __future__ import annotations

import re
import tomllib
from collections import Counter
from functools import lru_cache
from importlib.resources import files

import pycountry
from rapidfuzz import fuzz
from unidecode import unidecode

from fdi_extract.cues import cue
from fdi_extract.normalize.money import MONEY_WORDS
from fdi_extract.normalize.places import resolve_place

# The host countries' names: they trail the name of a local subsidiary ("KIA Qazaqstan", "Suto Kazakhstan"),
# which is its parent's project, and lead it in brackets ("(Kazakhstan Lihua)").
_HOST_COUNTRY_WORDS = frozenset(
    {"kazakhstan", "kazakstan", "qazaqstan", "uzbekistan", "ozbekiston", "kyrgyzstan", "tajikistan"}
)
# Legal forms and words that only qualify a name when they trail it, the host countries' names among them.
_LEGAL_FORMS = _HOST_COUNTRY_WORDS | {
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "ltd",
    "limited",
    "llc",
    "llp",
    "plc",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "gmbh",
    "ag",
    "sa",
    "bv",
    "too",
    "ao",
    "oao",
    "zao",
    "pao",
    "ooo",
    "tov",
    "tdo",
    "ip",
    "group",
    "holding",
    "holdings",
    "international",
    "intl",
}
# A place's consonant skeleton stands for it from this length on; a shorter one ("xn" of Xi'an) is a brand's too.
_PLACE_SKELETON = 4
# Russian legal forms are folded before transliteration so "ТОО" and "TOO" both go.
_CYRILLIC_LEGAL = re.compile(f"{cue('legal_form').pattern}|{cue('generic_name_word').pattern}", re.IGNORECASE)
_QUOTES = re.compile(r"[\"'«»“”„‘’`]")
# Kazakh letters as Russian text writes the same names (data/kazakh_letters.toml): unidecode reads them with an
# apostrophe or a symbol, which split or drop a word of the key.
_KAZAKH_AS_RUSSIAN = str.maketrans(
    tomllib.loads(files("fdi_extract.data").joinpath("kazakh_letters.toml").read_text(encoding="utf-8"))["as_russian"]
)


@lru_cache(maxsize=65536)
def canonical_company(name: str) -> str:
    """A comparison key for a company name: lowercase ASCII words, legal forms removed.

    >>> canonical_company("SUNGROW Renewables Development Co., Ltd")
    'sungrow renewables development'
    >>> canonical_company('ТОО «Казахстан Сангроу»')
    'kazakhstan sangrou'
    >>> canonical_company('Хэбэйское ООО «Хуавэй Цзяньшэ»')
    'hebei huawei jianshe'
    """
    text = _QUOTES.sub(" ", name)
    text = _CYRILLIC_LEGAL.sub(" ", text).translate(_KAZAKH_AS_RUSSIAN)
    text = chinese_in_cyrillic(text) or text
    text = unidecode(text).lower().replace("&", " and ")
    words = re.findall(r"[a-z0-9]+", text)
    # Drop legal forms from the end only: "Group" in "China Railway Group X" is part of the name.
    while len(words) > 1 and words[-1] in _LEGAL_FORMS:
        words.pop()
    # A leading legal form (ТОО "X", LLP "X") is no part of the name either.
    while len(words) > 1 and words[0] in _LEGAL_FORMS - {"kazakhstan", "international", "group"}:
        words.pop(0)
    return " ".join(words)


@lru_cache(maxsize=1)
def _palladius() -> tuple[dict[str, str], tuple[str, ...], int]:
    """Cyrillic syllable → pinyin, the Russian adjective endings (data/palladius.toml), the longest syllable."""
    table = tomllib.loads(files("fdi_extract.data").joinpath("palladius.toml").read_text(encoding="utf-8"))
    syllables = {cyrillic: pinyin for pinyin, cyrillic in table["syllables"].items()}
    return syllables, tuple(table["adjective_endings"]), max(map(len, syllables))


@lru_cache(maxsize=1)
def _palladius_letters() -> frozenset[str]:
    syllables, endings, _ = _palladius()
    return frozenset("".join(syllables) + "".join(endings))


def _pinyin_syllables(word: str) -> list[str] | None:
    """The pinyin of a lowercase Cyrillic word made of Palladius syllables, the fewest of them; None if it is not."""
    syllables, _, longest = _palladius()
    best: list[list[str] | None] = [[]] + [None] * len(word)
    for end in range(1, len(word) + 1):
        for start in range(max(0, end - longest), end):
            before = best[start]
            if before is not None and (pinyin := syllables.get(word[start:end])) is not None:
                if best[end] is None or len(before) + 1 < len(best[end]):  # type: ignore[arg-type]
                    best[end] = [*before, pinyin]
    return best[-1]


@lru_cache(maxsize=65536)
def chinese_in_cyrillic(text: str) -> str | None:
    """A Chinese name written in Cyrillic (Palladius), in pinyin as English text spells it; None where a word
    of ``text`` is no such syllables. Hand-written: no library on PyPI reads Palladius back; the syllables are
    data (data/palladius.toml, with tested examples).

    >>> chinese_in_cyrillic("Синьцзянская Чжунтай")
    'xinjiang zhongtai'
    >>> chinese_in_cyrillic("Казахстан Темир Жолы") is None
    True
    >>> chinese_in_cyrillic("Чжунтай Казахстан")
    'zhongtai kazakhstan'
    """
    _, endings, _ = _palladius()
    letters = _palladius_letters()
    lowered = text.lower()
    if letters.isdisjoint(lowered):
        return None  # no Cyrillic at all, as most names in an archive: the quick answer
    words = re.findall(r"\w+", lowered)
    # A word that only qualifies the name (a local subsidiary's country, "… Казахстан") is no Chinese syllables
    # and no reason to read the rest as Russian: it is kept, transliterated, and the key drops it.
    qualifiers = {word: latin for word in words if (latin := unidecode(word)) in _LEGAL_FORMS}
    if not words or not all(letters.issuperset(word) for word in words if word not in qualifiers):
        return None  # Latin letters, digits, or Cyrillic letters that Palladius does not use (Kazakh ones)
    read: list[str] = []
    syllable_count = 0
    for word in words:
        if word in qualifiers:
            read.append(qualifiers[word])
            continue
        syllables = _pinyin_syllables(word)
        if syllables is None and (ending := next((e for e in endings if word.endswith(e)), None)):
            syllables = _pinyin_syllables(word.removesuffix(ending))
        if syllables is None:
            return None
        read.append("".join(syllables))
        syllable_count += len(syllables)
    # One syllable alone ("Ван") may as well be a Russian word.
    return " ".join(read) if syllable_count > 1 else None


@lru_cache(maxsize=1)
def _home_places() -> tuple[frozenset[str], frozenset[str]]:
    """The places, and the consonant skeletons of the longer ones (a misspelt "Heangshui" is still Hengshui)."""
    table = tomllib.loads(files("fdi_extract.data").joinpath("home_places.toml").read_text(encoding="utf-8"))
    places = frozenset(table["places"])
    return places, frozenset(sk for place in places if len(sk := skeleton(place)) >= _PLACE_SKELETON)


def _is_home_place(word: str) -> bool:
    places, skeletons = _home_places()
    return word in places or (len(sk := skeleton(word)) >= _PLACE_SKELETON and sk in skeletons)


_BRACKETED = re.compile(r"\(([^()]+)\)")


@lru_cache(maxsize=1 << 16)
def name_keys(name: str) -> tuple[str, ...]:
    """The keys a company is known by in a report: its name's (:func:`canonical_company`), and the key of a
    name it gives in brackets, which is its parent's brand or its own short name ("ТОО «Түркістан тоқыма»
    (Kazakhstan Lihua)", "корпорация Китая (CPIH)"). A bracketed place, legal form, country or word of
    two letters names no company ("Sinoma (Suzhou) Construction", "X (Group)", "SANY Renewable Energy (RE)").

    >>> name_keys("ТОО «Тюльпан текстиль» (Kazakhstan Orda)")
    ('tiul pan tekstil kazakhstan orda', 'orda')
    >>> name_keys("Sinoma (Suzhou) Construction Co., Ltd."), name_keys("Jinxin (Xi’an) Seed Technology")
    (('sinoma suzhou construction',), ('jinxin xi an seed technology',))
    """
    keys = [key] if (key := canonical_company(name)) else []
    for bracketed in _BRACKETED.findall(name):
        words = canonical_company(bracketed).split()
        if len(words) > 1 and words[0] in _HOST_COUNTRY_WORDS:
            words = words[1:]
        alias = " ".join(words)
        place = _is_home_place(alias.replace(" ", ""))  # "Xi’an" keys as two words
        if len(alias) < 3 or alias in keys or place or any(_is_home_place(w) or is_nationality(w) for w in words):
            continue
        if is_bare_legal_form(bracketed) or not is_company_name(bracketed):
            continue
        keys.append(alias)
    return tuple(keys)


@lru_cache(maxsize=1 << 18)  # reconciliation asks it of the same few keys for every block and pair
def name_words(key: str) -> tuple[str, ...]:
    """The words of a canonical key that name the company: without a leading home province or city
    (data/home_places.toml) where words follow it. Reports drop the place as often as they keep it.

    >>> name_words("xinjiang lihua")
    ('lihua',)
    >>> name_words("xinjiang")
    ('xinjiang',)
    """
    words = tuple(key.split())
    return words[1:] if len(words) > 1 and _is_home_place(words[0]) else words


def is_bare_legal_form(name: str) -> bool:
    """ "Ltd", "JSC", "ТОО": a legal form with no name (what a recognizer may tag on its own)."""
    words = re.findall(r"[a-z0-9]+", unidecode(_CYRILLIC_LEGAL.sub(" ", _QUOTES.sub(" ", name))).lower())
    return all(word in _LEGAL_FORMS for word in words)


@lru_cache(maxsize=65536)
def skeleton(key: str) -> str:
    """Consonants only, w read as u and kh as h: what transliterations of one name share (Хуа → khua → h)."""
    return re.sub(r"[aeiouyw ]", "", key.replace("kh", "h").replace("w", "u"))


def company_similarity(a: str, b: str) -> float:
    """0–100: how likely two names are one company, after canonicalization."""
    return key_similarity(canonical_company(a), canonical_company(b))


@lru_cache(maxsize=1 << 18)  # reconciliation compares the same few spellings of a company many times
def key_similarity(ka: str, kb: str) -> float:
    """:func:`company_similarity` of two names already canonical (:func:`canonical_company`), as
    reconciliation holds them: canonicalizing millions of names again for every pair cost most of linking."""
    if not ka or not kb:
        return 0.0
    if ka == kb:
        return 100.0
    # One name is the other with words left off ("Sungrow Renewables" vs "… Renewables Development").
    words_a, words_b = ka.split(), kb.split()
    if any(len(words) == 1 and is_nationality(words[0]) for words in (words_a, words_b)):
        return 0.0  # "China" alone names no company: it would be every "China …" company's short name
    first_a, first_b = words_a[0], words_b[0]
    shorter, longer = sorted((set(words_a), set(words_b)), key=len)
    score = max(fuzz.token_sort_ratio(ka, kb), fuzz.token_set_ratio(ka, kb) if shorter <= longer else 0.0)
    # The same leading name in two transliterations; a second word, when both have one, must agree too,
    # or every "Xinjiang …" company would be one.
    sa, sb = skeleton(first_a), skeleton(first_b)
    seconds_agree = len(words_a) == 1 or len(words_b) == 1 or skeleton(words_a[1]) == skeleton(words_b[1])
    if len(sa) >= 3 and sa == sb and seconds_agree:
        score = max(score, 90.0)
    return float(score)


def same_company(a: str, b: str, threshold: float = 85.0) -> bool:
    return company_similarity(a, b) >= threshold


@lru_cache(maxsize=1)
def _host_company_keys() -> tuple[str, ...]:
    table = tomllib.loads(files("fdi_extract.data").joinpath("host_companies.toml").read_text(encoding="utf-8"))
    return tuple(
        canonical_company(name) for country, entry in table.items() if country != "examples" for name in entry["names"]
    )


# Where a name and a listed one compare as one company: its spelling in another script or with words added.
_HOST_SIMILARITY = 90.0


@lru_cache(maxsize=1 << 14)
def is_host_company(name: str) -> bool:
    """Whether ``name`` is a company or fund a host country's state owns (``data/host_companies.toml``):
    a local partner in a report of foreign investment, never its foreign investor.

    >>> is_host_company("Samruk Kazyna Sovereign Wealth Fund"), is_host_company("Total Eren")
    (True, False)
    """
    key = canonical_company(name)
    return any(key_similarity(key, host) >= _HOST_SIMILARITY for host in _host_company_keys())


@lru_cache(maxsize=1)
def nationality_table() -> dict[str, dict[str, list[str]]]:
    """``data/nationalities.toml``: per ISO country code, the stems that state it, with sentences to test."""
    return tomllib.loads(files("fdi_extract.data").joinpath("nationalities.toml").read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _nationalities() -> re.Pattern[str]:
    """Every country's stems in one pattern, a named group per country: a text is read once, not once a country."""
    countries = (
        f"(?P<{code}>" + "|".join(re.escape(stem) for stem in entry["stems"]) + ")"
        for code, entry in nationality_table().items()
    )
    return re.compile(r"(?<![\w])(?:" + "|".join(countries) + ")", re.IGNORECASE)


# "долларов США", "US dollars": a currency, not the investor's nationality.
_CURRENCY_NAMES = re.compile(MONEY_WORDS["currencies"]["USD"]["country_in_name"], re.IGNORECASE)


@lru_cache(maxsize=1 << 16)  # first words recur across millions of names
def is_nationality(word: str) -> bool:
    """Whether ``word`` states a nationality or a country ("китайская", "Chinese", "China")."""
    return _nationalities().match(word) is not None


def infer_country(*texts: str) -> str | None:
    """The investor country the texts state ("китайская компания", "Chinese company"), tried in order.

    Each text is tried on its own (the deal's evidence first, then the whole article), and the
    country named most often in the first text that names any wins (the table's first on a tie).
    """
    return next(filter(None, map(_country_stated, texts)), None)


@lru_cache(maxsize=256)  # an article's every deal falls back on the whole article: read it once
def _country_stated(text: str) -> str | None:
    counts = Counter(match.lastgroup for match in _nationalities().finditer(_CURRENCY_NAMES.sub(" ", text)))
    return max(nationality_table(), key=lambda code: counts[code]) if counts else None


# Words that say what kind of party a name is, not which one: "Chinese investors", "a Korean company",
# "китайская сторона" name no company. Nationalities are the table above; company words are the cue's.


def _says_a_kind_of_party(word: str) -> bool:
    return is_nationality(word) or bool(cue("party_word").fullmatch(word))


def is_company_name(name: str) -> bool:
    """Whether ``name`` can name an investing company, as a model's or a recognizer's reading of it.

    Not a country or nationality with words for a kind of party ("Turkey", "Korea", "Chinese investors",
    "китайская компания"), not a place ("Актюбинская область"), not an organisation that is no company (the
    ``not_a_company`` cue: state bodies, development banks lending to a state, forums, the press), not a bare
    legal form.

    >>> [is_company_name(n) for n in ("China Energy International Group", "Chinese investors", "Turkey")]
    [True, False, False]
    >>> is_company_name("Ministry of Energy"), is_company_name("ТОО"), is_company_name("Masdar")
    (False, False, True)
    """
    name = _QUOTES.sub(" ", name).strip()
    if not name or is_bare_legal_form(name) or cue("not_a_company").search(name):
        return False
    if all(_says_a_kind_of_party(word) or cue("company_word").fullmatch(word) for word in re.findall(r"\w+", name)):
        return False
    if (place := resolve_place(name)) is not None:
        # "Актюбинская область", "Zhambyl region": a place and words for its kind. A company named after a
        # place has a name of its own beside it ("Aktobe Cement"), and proper names are capitalised.
        rest = name[: place.start] + name[place.end :]
        if not any(word[0].isupper() for word in re.findall(r"[^\W\d_]+", rest)):
            return False
    try:
        pycountry.countries.lookup(unidecode(name))
    except LookupError:
        return True
    return False


# A person's name as a name copied with their post reads: a title, then up to four capitalised words.
_PERSON = re.compile(r"(?:(?:Dr|Mr|Mrs|Ms|Prof)\.?\s+)?[^\W\d_][\w'’.-]*(?:\s+[^\W\d_][\w'’.-]*){0,3}")


def company_of_a_post(name: str) -> str:
    """The company of a name that is a person's post at it, as a model copies one from a sentence; the name as it
    is otherwise. A post (the ``person_post`` cue) with the company before it and a person's name after, or a
    person's name before it and "of" the company after.

    >>> company_of_a_post("Orda Glass Chairman Li Wei"), company_of_a_post("Dr. Li Wei, the chairman of Orda Glass")
    ('Orda Glass', 'Orda Glass')
    >>> company_of_a_post("Li Wei, Chairman of the Board of Orda Glass"), company_of_a_post("President Hotel Group")
    ('Orda Glass', 'President Hotel Group')
    """
    post = cue("person_post").search(name)
    if post is None:
        return name
    before = re.sub(r"[\s,]+(?:the\s+)?$", "", name[: post.start()], flags=re.IGNORECASE).strip()
    after = name[post.end() :].strip(" ,")
    if of := re.match(r"(?:of|at)\s+", after, re.IGNORECASE):
        company, person = after[of.end() :], before
    else:
        company, person = before, after
    if not company or not _is_person(person) or not is_company_name(company):
        return name
    return company


def _is_person(words: str) -> bool:
    """Whether ``words`` read as a person's name: empty (the post alone), or capitalised words that hold no word
    of a company's kind or legal form ("Hotel LLC" is a company's)."""
    if not words:
        return True
    if not _PERSON.fullmatch(words) or not all(w[0].isupper() for w in words.split()):
        return False
    return not any(w.lower() in _LEGAL_FORMS or cue("company_word").fullmatch(w) for w in re.findall(r"\w+", words))


def without_descriptors(name: str) -> str:
    """The name without the words before it that say what kind of party it is ("Chinese company"), and
    without its quotes, as a model writes a name it read after them ("Китайская компания «VEGA Power»").

    >>> without_descriptors("Китайская компания «VEGA Power»"), without_descriptors("the Korean company Kia")
    ('VEGA Power', 'Kia')
    >>> without_descriptors("China Energy Group")
    'China Energy Group'
    """
    words = name.split()
    company_word = cue("company_word")
    cut = 0  # just after the last company word of the leading run of descriptor words
    for at, word in enumerate(words[:-1]):
        bare = _QUOTES.sub("", word)
        if company_word.fullmatch(bare):
            cut = at + 1
        elif not _says_a_kind_of_party(bare):
            break
    return _QUOTES.sub(" ", " ".join(words[cut:])).strip() if cut else name
