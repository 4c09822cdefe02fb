"""Dossier-level exports of the one-stop software (one row per hồ sơ) counted into the
same tables as a department's workbook, on DuckDB, and compared with a typed appendix.

``columns`` recognises an export's columns, ``source`` opens exports as one canonical
dossier view in DuckDB, ``schema`` is its pandera contract, ``counting`` the one SQL
query of the counting rules, ``tally`` the library call behind ``xl-tthc tally``,
``reconcile`` the one behind ``xl-tthc reconcile``, ``generate`` deterministic exports.

May import: domain, read, rules, forms, prose, consolidate, sheet.
"""

from .tally import TallyResult, tally, write_tally
from .reconcile import ReconcileResult, reconcile

__all__ = ["tally", "write_tally", "TallyResult", "reconcile", "ReconcileResult"]
