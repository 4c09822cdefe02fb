"""The canonical results frame of the Python API, as a pandera schema: what
:meth:`xl_tthc.read.table.Table.frame` returns and what a caller may rely on.

Column names are the canonical fields of domain.md; every count present is a
non-negative nullable integer (a value the rules found unusable is NA, and the rules,
not this schema, say why and where).
"""

from __future__ import annotations

import pandera.pandas as pa

from ..domain.fields import COUNT_FIELDS

__all__ = ["ResultsFrame"]

ResultsFrame = pa.DataFrameSchema(
    {
        "unit": pa.Column(str, nullable=False),
        "kind": pa.Column(str, pa.Check.isin(["unit", "total"])),
        "excel_row": pa.Column("int64", pa.Check.ge(1), unique=True),
        **{f: pa.Column("Int64", pa.Check.ge(0), nullable=True, required=False) for f in COUNT_FIELDS},
    },
    strict=True,
    name="ResultsFrame",
)
