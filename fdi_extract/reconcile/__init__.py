"""Reconciliation: mentions of one deal across articles become one deal (see :mod:`.plan` for the road)."""

from fdi_extract.reconcile.archive import ArchiveResult, reconcile_archive
from fdi_extract.reconcile.engines import DuckDBEngine, LinkEngine, SparkEngine, spark_session
from fdi_extract.reconcile.metrics import ClusterScores, cluster_scores
from fdi_extract.reconcile.plan import DealPlan, Judge, LinkingTables, open_database, reconcile
from fdi_extract.reconcile.scoring import compare

__all__ = [
    "ArchiveResult",
    "ClusterScores",
    "DealPlan",
    "DuckDBEngine",
    "Judge",
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
