"""fdi-extract: news articles about foreign direct investment → validated, source-grounded deal records.

>>> from fdi_extract import extract_deals                  # doctest: +SKIP
>>> for deal in extract_deals(article_text):
...     print(deal.investors, deal.amount, deal.stage)
"""

from typing import TYPE_CHECKING, Any

from fdi_extract.articles import read_article
from fdi_extract.errors import (
    FdiExtractError,
    InputError,
    LLMAnswerError,
    LLMError,
    ModelUnavailableError,
)
from fdi_extract.evaluate import EvalReport, evaluate
from fdi_extract.frames import deals_frame, deals_table, mentions_frame, mentions_table
from fdi_extract.model import (
    Amount,
    Article,
    ArticleResult,
    Capacity,
    Deal,
    DealMention,
    Evidence,
    Investor,
    Qualifier,
    Sector,
    Stage,
    Usage,
)
from fdi_extract.reconcile import reconcile
from fdi_extract.records import RunOutputs, load_run
from fdi_extract.report import write_report
from fdi_extract.settings import RetryPolicy, Settings, Strategy, StructuredMode

if TYPE_CHECKING:
    from fdi_extract.pipeline import (
        ArticleOptions,
        Extractor,
        aextract_article,
        aextract_deals,
        extract_article,
        extract_deals,
    )

_PIPELINE = {"ArticleOptions", "Extractor", "aextract_article", "aextract_deals", "extract_article", "extract_deals"}


def __getattr__(name: str) -> Any:
    # The extraction stack (openai, instructor: over a second to import) loads on first use, so that
    # reconciliation, evaluation and the processes they start never pay for it.
    if name in _PIPELINE:
        from fdi_extract import pipeline

        return getattr(pipeline, name)
    raise AttributeError(f"module 'fdi_extract' has no attribute {name!r}")


__version__ = "0.1.0"

__all__ = [
    "Amount",
    "Article",
    "ArticleOptions",
    "ArticleResult",
    "Capacity",
    "Deal",
    "DealMention",
    "EvalReport",
    "Evidence",
    "Extractor",
    "FdiExtractError",
    "InputError",
    "Investor",
    "LLMAnswerError",
    "LLMError",
    "ModelUnavailableError",
    "Qualifier",
    "RetryPolicy",
    "RunOutputs",
    "Sector",
    "Settings",
    "Stage",
    "Strategy",
    "StructuredMode",
    "Usage",
    "aextract_article",
    "aextract_deals",
    "deals_frame",
    "deals_table",
    "evaluate",
    "extract_article",
    "extract_deals",
    "load_run",
    "mentions_frame",
    "mentions_table",
    "read_article",
    "reconcile",
    "write_report",
]
