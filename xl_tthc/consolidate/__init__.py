"""Many department tables into one provincial table, and the provincial workbook
(appendix, charts, details, findings, sources).

May import: domain, read, rules, forms, prose.
"""
