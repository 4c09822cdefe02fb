"""xl_tthc: read, check, recompute and consolidate Vietnamese TTHC result workbooks.

The core library behind the ``xl-tthc`` command line and the Excel add-in.  It never
imports xlwings or the CLI framework.
"""

from .rules.check import FileReport, TableReport, check_file, check_files
from .read.grid import ReadError, open_workbook
from .domain.issues import Issue
from .domain.numbers import excel_round, format_count, format_percent, parse_number
from .domain.periods import Period, parse_period
from .domain.profiles import Profile, load_profile
from .read.reader import find_tables, read_tables
from .read.table import Table
from .domain.units import match_unit

__version__ = "0.1.0"

__all__ = [
    "FileReport",
    "Issue",
    "Period",
    "Profile",
    "ReadError",
    "Table",
    "TableReport",
    "check_file",
    "check_files",
    "excel_round",
    "find_tables",
    "format_count",
    "format_percent",
    "load_profile",
    "match_unit",
    "open_workbook",
    "parse_number",
    "parse_period",
    "read_tables",
]
