"""Opening untrusted workbook files, header paths through merged bands, recognising
result tables and their rows; the Table record with each value's position.

May import: domain.
"""
