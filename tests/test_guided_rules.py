"""The deterministic half of the guided strategy: company candidates and the word cues."""

from __future__ import annotations

import pytest

from fdi_extract.cues import stage_from_cues
from fdi_extract.drafts import DealDraft
from fdi_extract.extract.candidates import find_companies
from fdi_extract.extract.direct import split_into_chunks
from fdi_extract.extract.guided import rules
from fdi_extract.extract.guided.analysis import Page, is_not_a_deal, is_total
from fdi_extract.model import Stage
from fdi_extract.text import ArticleText, sentences
from tests.conftest import DEV_CORPUS, seed


def _names(text: str) -> list[str]:
    return [c.name for c in find_companies(text)]


def _page(text: str) -> Page:
    return Page(ArticleText(text))


def test_companies_of_seed_001() -> None:
    names = _names(seed("001").text)
    expected = [
        "SUNGROW Renewables Development Co., Ltd",
        "Universal Energy Co., Ltd",
        "Yima Machinery Co., Ltd.",
        "China Non-Ferrous Mining",
        "Sinoma (SUZHOU) Construction Co., Ltd.",
    ]
    assert [n for n in names if n in expected] == expected
    assert "SM Minerals" not in names  # "казахстанской SM Minerals": a local partner
    assert not any("AqtobeCem" in n for n in names)  # ТОО "AqtobeCem"


def test_quoted_company_after_a_cue_word() -> None:
    assert _names(seed("000").text)[0] == "VEGA Power"
    assert "Группа санитарной очистки города Линьи" in _names(seed("004").text)


def test_joined_names_are_split_and_the_local_one_dropped() -> None:
    assert _names((DEV_CORPUS / "022.txt").read_text()) == ["Horgos Jiuhe SilkBridge New Energy Co.,Ltd"]


def test_spellings_of_one_company_are_one_candidate() -> None:
    (candidate,) = [c for c in find_companies((DEV_CORPUS / "007.txt").read_text()) if c.key.startswith("fufeng")]
    assert candidate.name == "Fufeng Group"


@pytest.mark.parametrize(
    ("sentence", "stage"),
    [
        ("Также был подписан меморандум о строительстве завода", Stage.mou),
        ("подписано соглашение с компанией Universal Energy", Stage.agreement),
        ("В Жамбылской области начали строительство завода", Stage.construction),
        ("The foundation stone ceremony took place", Stage.construction),
        ("Завод запущен в эксплуатацию", Stage.operational),
        ("Компания планирует открыть завод", None),
        ("Қытайлық компаниямен меморандумға қол қойылды", Stage.mou),
        ("Инвестициялық келісімге қол қойылды", Stage.agreement),
        ("Зауыттың құрылысы басталды", Stage.construction),
        ("Жел электр станциясы іске қосылды", Stage.operational),
        ("Зауыттың іргетасына алғашқы кірпіш қаланды", Stage.construction),
        ("Бұл меморандум ынтымақтастықтың іргетасы болады", Stage.mou),  # a figurative foundation
        ("Проект реализуется на участке площадью 400 га", Stage.construction),
        ("Стороны обсудили ход реализации инвестиционного проекта", Stage.construction),
        ("The company is implementing a large-scale energy project", Stage.construction),
        ("Реализация проекта начнется в 2025 году", None),  # to be carried out: not yet begun
        ("Меморандум о сотрудничестве по реализации проекта подписан", Stage.mou),
    ],
)
def test_stage_cues(sentence: str, stage: Stage | None) -> None:
    assert stage_from_cues(sentence) == stage


def test_totals_and_non_deals() -> None:
    assert is_total("Общая стоимость инвестиций составила 218,8 млн долларов США.")
    assert is_total(
        "подписано 15 меморандумов между областью Абай и китайскими инвесторами на сумму 1,568 млрд долларов"
    )
    assert not is_total("Его стоимость – 171 млн долларов США.")
    assert is_not_a_deal("Актюбинская область должна привлечь не менее 1,5 триллиона тенге инвестиций")
    assert is_not_a_deal("товарооборот между странами превысил 4,2 миллиарда долларов")


def test_sentences_keep_offsets() -> None:
    text = seed("001").text
    for span in sentences(text):
        assert text[span.start : span.end] == span.text


def test_chunks_are_paragraph_aligned_and_bounded() -> None:
    text = "\n".join(f"Paragraph {i}. " + "word " * 50 for i in range(200))
    chunks = split_into_chunks(text, 2000)
    assert all(len(c) <= 2000 for c in chunks) and len(chunks) > 10
    assert "".join(chunks).replace("\n", "") == text.replace("\n", "")


def test_a_subsidiary_named_in_brackets_after_its_group_joins_the_groups_deal() -> None:
    page = _page(
        "Китайская Orda Group (Steppe Biotech Co., Ltd) построит завод по глубокой переработке кукурузы. "
        "Стоимость проекта 175 млрд тенге, мощность 500 тыс. тонн в год. Рядом Alatau Wind Co., Ltd. "
        "построит ветровую станцию."
    )
    group = DealDraft(
        evidence=["a"],
        investors=["Orda Group"],
        project="corn plant",
        capacity=["1 млн тонн"],
        reasons=["investor Orda Group: asked"],
    )
    subsidiary = DealDraft(
        evidence=["b"],
        investors=["Steppe Biotech Co., Ltd"],
        project="plant",
        amount="175 млрд тенге",
        capacity=["500 тыс. тонн", "1 млн тонн"],
        stage=Stage.construction,
    )
    other = DealDraft(evidence=["c"], investors=["Alatau Wind Co., Ltd."], project="wind farm")
    drafts = [group, subsidiary, other]
    rules.join_named_as_one(page, drafts, [c.name for c in page.companies])
    assert drafts == [group, other]
    assert group.investors == ["Orda Group", "Steppe Biotech Co., Ltd"] and group.amount == "175 млрд тенге"
    assert group.capacity == ["1 млн тонн", "500 тыс. тонн"] and group.evidence == ["a", "b"]
    assert group.stage is Stage.construction
    assert group.reasons[-1].startswith("joined with Steppe Biotech Co., Ltd: named in brackets right after Orda Group")


def test_two_investors_side_by_side_are_not_joined() -> None:
    page = _page("Orda Glass Co., Ltd. и Steppe Solar Co., Ltd. построят завод и солнечную станцию.")
    drafts = [
        DealDraft(evidence=["a"], investors=["Orda Glass Co., Ltd."], project="glass plant"),
        DealDraft(evidence=["b"], investors=["Steppe Solar Co., Ltd."], project="solar plant"),
    ]
    rules.join_named_as_one(page, drafts, [c.name for c in page.companies])
    assert len(drafts) == 2


def test_the_recognizer_adds_organisations_that_no_pattern_finds() -> None:
    text = (
        "Государственная горнорудная корпорация Китая (CGMC) построит обогатительную фабрику в Карагандинской "
        "области. Китайское Шаньдунское ООО «Хуа Синь Лун» вложит 40 млн долларов в тепличный комплекс. "
        "Соглашения подписаны в Министерстве промышленности, сообщила пресс-служба акимата. Подрядчиком "
        "выступит АО «Жайык Курылыс Холдинг», поставщиком — Уральская энергетическая сетевая корпорация."
    )
    names = _names(text)
    assert any(name.startswith("Государственная горнорудная корпорация") for name in names)
    assert any(name.endswith("ООО «Хуа Синь Лун»") for name in names)  # the closing quote belongs to the name
    assert not any("Министерств" in name or "акимат" in name for name in names)  # state bodies are no investors
    assert not any("Жайык" in name or "Уральская" in name for name in names)  # no foreign mark: no candidate
    # The foreign mark must be in the organisation's own sentence, not at the start of the next one.
    assert _names("Делегация посетила завод «Тенгри». Китайская корпорация «Орда Строй» построит фабрику.") == [
        "Орда Строй"
    ]


def test_a_partner_marked_local_is_no_candidate_whoever_finds_it() -> None:
    text = "Китайская компания Tianma Steel и казахстанская компания «Жана Курылыс» построят завод. ТОО «Арман Строй» — подрядчик."
    names = _names(text)
    assert "Tianma Steel" in names
    assert not any("Жана" in name or "Арман" in name for name in names)


def _draft(**fields: object) -> DealDraft:
    return DealDraft(evidence=["e"], project="p", **fields)


def test_figures_of_one_unnamed_project_are_one_draft() -> None:
    page = _page(
        "Ветровой парк мощностью 1 ГВт. Мощность 1000 МВт. Стоимость проекта 1 млрд долларов. Создадут 300 рабочих мест."
    )
    drafts = [
        _draft(capacity=["1 ГВт"], sector="energy"),
        _draft(capacity=["1000 МВт"], sector="energy"),
        _draft(amount="1 млрд долларов", sector="other"),
    ]
    (joined,) = rules.one_per_project(page, drafts)
    assert joined.capacity == ["1 ГВт"]  # 1000 МВт is the same figure
    assert joined.amount == "1 млрд долларов"


def test_unnamed_projects_of_different_sectors_or_figures_stay_apart() -> None:
    page = _page("Газовая электростанция на 30 МВт. Завод катализаторов на 20 тыс. тонн. Еще одна станция на 50 МВт.")
    power = _draft(capacity=["30 МВт"], sector="energy")
    catalysts = _draft(capacity=["20 тыс. тонн"], sector="chemicals")
    other_power = _draft(capacity=["50 МВт"], sector="energy")
    assert rules.one_per_project(page, [power, catalysts, other_power]) == [power, catalysts, other_power]


def test_a_figure_no_company_took_stays_apart_from_named_investors_and_totals() -> None:
    page = _page("Компания Tianma Steel построит завод. Рядом построят газовую станцию на 30 МВт.")
    named = _draft(investors=["Tianma Steel"], amount=None, sector="metals")
    figure = _draft(capacity=["30 МВт"], sector="other")
    assert rules.one_per_project(page, [named, figure]) == [named, figure] and named.capacity == []
    aggregate = _draft(amount="30 МВт", aggregate=True)
    assert aggregate in rules.one_per_project(page, [figure, aggregate])


def test_two_spellings_of_one_company_are_one_draft_but_its_two_plants_stay_two() -> None:
    page = _page(
        "Tianma Steel построит завод на 40 МВт. Компания Tianma Steel Group вложит 200 млн долларов. "
        "Второй завод Tianma на 90 МВт."
    )
    first = _draft(investors=["Tianma Steel"], capacity=["40 МВт"], sector="metals")
    spelling = _draft(investors=["Tianma Steel Group"], amount="200 млн долларов", sector="metals")
    assert rules.one_per_project(page, [first, spelling]) == [first] and first.amount == "200 млн долларов"
    assert first.investors == ["Tianma Steel"]  # one company, not two investors
    plant = _draft(investors=["Tianma Steel"], capacity=["40 МВт"], sector="metals")
    other_plant = _draft(investors=["Tianma"], capacity=["90 МВт"], sector="metals")
    assert rules.one_per_project(page, [plant, other_plant]) == [plant, other_plant]


def test_a_state_body_joined_by_and_to_a_company_is_no_part_of_its_name() -> None:
    text = (
        "A memorandum was signed by the Ministry of Energy of Ruritania and Northern Star Power Group Co. Ltd. "
        "The Ministry of Culture and Youth Policy and Golden Lotus Film Company Ltd. will shoot a series. "
        "The Ministry of Culture, Sport and Youth Policy and Silver Crane Media Co. Ltd. will shoot another."
    )
    assert _names(text) == [
        "Northern Star Power Group Co. Ltd.",
        "Golden Lotus Film Company Ltd.",
        "Silver Crane Media Co. Ltd.",
    ]
    # "and" inside a company's own name is no join of two parties.
    assert _names("The Chinese Orda Machinery and Equipment Co. Ltd company signed an agreement.") == [
        "Orda Machinery and Equipment Co. Ltd"
    ]


def test_several_things_built_in_one_sentence_of_a_section_ask_for_its_facilities() -> None:
    several = _page(
        "Китайская компания Orda Build Co., Ltd. подписала соглашение. Инвесторы построят гостиницу, "
        "теплицу и птицефабрику."
    )
    one = _page("Китайская компания Orda Build Co., Ltd. построит стекольный завод. Завод даст 300 рабочих мест.")
    products = _page("Orda Build Co., Ltd. откроет завод электронных дисплеев и энергосберегающих ламп.")
    parts = _page("Orda Build Co., Ltd. построит комплекс, который будет включать в себя завод и два цеха.")
    elsewhere = _page("В регионах построят заводы, фермы и станции.\n\nOrda Build Co., Ltd. построит завод.")
    for page, expected in ((several, True), (one, False), (products, False), (parts, False), (elsewhere, False)):
        (company,) = page.companies
        assert bool(page.facility_sentences(company)) is expected


def test_listed_facilities_become_deals_each_with_its_own_sentences_stage() -> None:
    page = _page(
        "Orda Build Co., Ltd. подписала меморандум о строительстве цементного завода и гостиницы "
        "на 700 млн долларов.\n\nSteppe Agro Co., Ltd. подписала соглашение о поставках зерна. Инвесторы "
        "также намерены построить теплицу и птицефабрику.\n\nAlatau Glass Co., Ltd. построит стекольный завод."
    )
    orda, steppe, alatau = (c.name for c in page.companies)
    with_total = DealDraft(
        evidence=["a"],
        investors=[orda],
        project="projects",
        amount="$700 million",
        stage=Stage.mou,
        reasons=[f"investor {orda}: asked"],
    )
    without = DealDraft(evidence=["b"], investors=[steppe], project="farms", stage=Stage.agreement)
    single = DealDraft(evidence=["c"], investors=[alatau], project="glass plant")
    first, second, third = page.sentences[0], page.sentences[2], page.sentences[3]
    drafts = rules.one_per_facility(
        page,
        [with_total, without, single],
        [
            (with_total, ["cement plant", "hotel"], [first]),
            (without, ["greenhouse", "poultry farm"], [second]),
            (single, ["glass plant"], [third]),
        ],
    )
    assert [(d.investors, d.project, d.aggregate, d.amount, d.stage) for d in drafts] == [
        ([orda], "projects", True, "$700 million", Stage.mou),
        ([orda], "cement plant", False, None, Stage.mou),
        ([orda], "hotel", False, None, Stage.mou),
        # "also intend to build": further plans, not the agreement of the sentence before
        ([steppe], "greenhouse", False, None, Stage.announced),
        ([steppe], "poultry farm", False, None, Stage.announced),
        ([alatau], "glass plant", False, None, Stage.announced),
    ]
    assert drafts[2].reasons == [
        (f"project “hotel”: one of 2 facilities the model listed for {orda}, whose section names several things built"),
        "stage mou: “меморандум” in its sentence",
    ]


def test_a_facility_takes_the_sentence_that_names_its_kind() -> None:
    page = _page("Компания построит гостиницу. Кроме того, подписан меморандум о строительстве теплицы.")
    assert rules.facility_sentence("greenhouse", page.sentences) == page.sentences[1]
    assert rules.facility_sentence("hotel", page.sentences) == page.sentences[0]
    assert rules.facility_sentence("cement plant", page.sentences) is None  # named elsewhere: the company's stage


def test_stage_from_its_own_sentence_before_the_one_before_and_a_lede_about_another_company() -> None:
    page = _page(
        "Orda Build Co., Ltd. подписала инвестиционное соглашение о строительстве завода стекла и зеркал "
        "в Алматинской области.\n\nSteppe Agro Co., Ltd. подписала соглашение с акиматом. Еще подписан "
        "меморандум с Nomad Feed Co., Ltd. о строительстве комбикормового завода.\n\n"
        "Alatau Solar Co., Ltd. построит солнечную станцию на 50 МВт."
    )
    orda, _steppe, nomad, alatau = page.companies
    assert page.stage_near(nomad.mentions[0].start, nomad.mentions[0].end, company=nomad)[0] is Stage.mou
    # the lede is about another company's agreement: not this one's stage
    solar = page.sentences[-1]
    assert page.stage_near(solar.start, solar.end, company=alatau) == (
        Stage.announced,
        "stage announced: no stage words around it",
    )
    assert page.stage_near(orda.mentions[0].start, orda.mentions[0].end, company=orda)[0] is Stage.agreement


def test_only_listed_items_that_read_as_things_built_are_kept_up_to_what_the_passage_names() -> None:
    page = _page("Orda Build Co., Ltd. построит гостиницу и теплицу.")
    passage = page.sentences
    listed = ["hotel", "increased crop areas", "greenhouse", "poultry farm", "chips"]
    assert rules.listed_facilities(listed, passage) == ["hotel", "greenhouse"]  # the passage names two things
