"""Opening untrusted workbook files, header paths through merged bands, recognising
result tables and their rows, column meaning from the numbers where the header leaves it
open; the Table record with each value's position.

May import: domain.
"""
