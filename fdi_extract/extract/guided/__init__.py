"""The guided strategy: deterministic candidates, then small questions whose answers can only point at real spans.

Built for small local models (the embedded 1.5B one), which fail at "list every deal as JSON" —
they name the region as the investor, repeat one entry until the token limit, or give one project
another's amount. Here the model is never asked to produce a list or a number:

1. Deterministically, find the company names, money, capacity and job phrases, with offsets.
2. The prompt starts with the article's relevant paragraphs (those holding a company or a figure),
   identical for every question, so llama.cpp reuses the cached prefix and each further question
   costs only its own few tokens.
3. For each company, one question: is it an investor in a concrete project, and which of the
   figures *of its own paragraphs* belong to it. Figures are enums of the article's phrases plus
   "none", enforced by the grammar, so an answer cannot invent a number.
4. For each figure no company took, one question: is it a total of several projects (an aggregate
   deal), one project of an unnamed investor, or no investment at all (trade, budget, target).
5. Drafts of one project are joined (:func:`rules.one_per_project`).

Word cues (stages, totals, non-deals, visits) come from the language tables of ``fdi_extract.cues``.
Evidence is the sentences that name the company or hold the figure: grounded by construction.

The package is split by what may change for which reason: ``analysis`` (the article's deterministic facts,
no LLM), ``questions`` (the prompts and answer models), ``rules`` (each named rule that completes or
overrules an answer, writing its reason on the draft) and ``strategy`` (the order of work).
"""

from fdi_extract.extract.guided.strategy import GuidedStrategy

__all__ = ["GuidedStrategy"]
