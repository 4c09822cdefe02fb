"""Changes to a live or saved sheet as data: edit lists, recompute, flag, and the
worksheet functions' core that the Excel add-in calls.

May import: domain, read, rules, forms, prose, consolidate.
"""
