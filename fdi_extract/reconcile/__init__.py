"""Reconciliation: mentions of one deal across articles become one deal (see :mod:`.plan` for the road)."""

from fdi_extract.reconcile.archive import ArchiveResult, reconcile_archive
from fdi_extract.reconcile.engines import AdjudicateIndices, DuckDBEngine, LinkEngine, SparkEngine, spark_session
from fdi_extract.reconcile.metrics import ClusterScores, cluster_scores
from fdi_extract.reconcile.plan import Adjudicate, DealPlan, reconcile
from fdi_extract.reconcile.scoring import compare
from fdi_extract.reconcile.tables import LinkingTables, open_database

__all__ = [
    "Adjudicate",
    "AdjudicateIndices",
    "ArchiveResult",
    "ClusterScores",
    "DealPlan",
    "DuckDBEngine",
    "LinkEngine",
    "LinkingTables",
    "SparkEngine",
    "cluster_scores",
    "compare",
    "open_database",
    "reconcile",
    "reconcile_archive",
    "spark_session",
]
