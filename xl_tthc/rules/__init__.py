"""The rules over one table (identities, ratios, units), stale formulas, and checking
whole files into reports of Issue records.

May import: domain, read.
"""
