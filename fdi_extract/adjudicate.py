"""Optional: the configured LLM judges reconciliation pairs that only the investor and the place tie together.

Off by default (``Settings.adjudicate`` / ``FDI_EXTRACT_ADJUDICATE``); the deterministic reconciliation
stands on its own. A pair is *borderline* when its link has no capacity, amount or project words behind
it — "Hengshui Decheng, Jizzakh, agriculture" fits a greenhouse and a poultry farm alike. For such pairs
the model reads both reports' evidence and answers "same project" or "different projects"; a
"different" answer removes the link before clustering. Answers are cached in the run's store by the
prompt version, the model and both reports' words, so a re-run asks nothing again.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from collections.abc import Sequence
from typing import Literal

from fdi_extract.errors import LLMError
from fdi_extract.extract.schema import Answer
from fdi_extract.llm import LLM
from fdi_extract.model import DealMention
from fdi_extract.pipeline import Extractor
from fdi_extract.prompts import load_prompt
from fdi_extract.settings import Provider, Settings
from fdi_extract.store import Store

_CONCURRENCY = 4


class PairVerdict(Answer):
    verdict: Literal["same project", "different projects"]


def _report(mention: DealMention) -> str:
    quotes = [e.quote for e in mention.evidence if e.field is None] or [e.quote for e in mention.evidence]
    return "\n".join(dict.fromkeys(quotes))[:1500]


class Adjudicator:
    """Callable on borderline pairs of mentions; returns True for each pair the model calls one project.

    An answer that cannot be had (the endpoint fails) keeps the deterministic decision: the pair stays linked.
    """

    def __init__(self, settings: Settings, store: Store | None = None):
        self.settings = settings
        self.store = store
        self.prompt = load_prompt("adjudicate")
        self.asked = 0

    def __call__(self, pairs: Sequence[tuple[DealMention, DealMention]]) -> list[bool]:
        return asyncio.run(self._judge_all(pairs))

    def _key(self, a: DealMention, b: DealMention) -> str:
        reports = sorted([_report(a), _report(b)])
        material = json.dumps([self.prompt.version, self.settings.resolved_model, *reports])
        return "adjudicate:" + hashlib.sha256(material.encode()).hexdigest()

    async def _judge_all(self, pairs: Sequence[tuple[DealMention, DealMention]]) -> list[bool]:
        known = [self.store.cached_text(self._key(a, b)) if self.store is not None else None for a, b in pairs]
        verdicts = [verdict == "same project" if verdict is not None else True for verdict in known]
        todo = [i for i, verdict in enumerate(known) if verdict is None]
        if not todo:
            return verdicts  # all cached: no model is started
        with Extractor(self.settings) as extractor:
            llm = extractor.llm()
            # One sequence on the embedded server: parallel questions would only evict its cached prefix.
            limit = asyncio.Semaphore(1 if self.settings.provider is Provider.embedded else _CONCURRENCY)
            try:
                asked = await asyncio.gather(*(self._ask(llm, limit, *pairs[i]) for i in todo))
            finally:
                await llm.aclose()
        for i, verdict in zip(todo, asked, strict=True):
            verdicts[i] = verdict
        return verdicts

    async def _ask(self, llm: LLM, limit: asyncio.Semaphore, a: DealMention, b: DealMention) -> bool:
        messages = self.prompt.messages(
            report_a=_report(a),
            published_a=a.published or "date unknown",
            report_b=_report(b),
            published_b=b.published or "date unknown",
        )
        async with limit:
            try:
                answer = await llm.ask(PairVerdict, messages, max_tokens=20)
            except LLMError:
                return True
        self.asked += 1
        if self.store is not None:
            self.store.remember_text(self._key(a, b), answer.verdict)
        return answer.verdict == "same project"
