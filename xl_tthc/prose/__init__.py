"""Words around the numbers: the Vietnamese narrative of a table, figures read from a
report's prose, and the cross-check of the prose against the table.

May import: domain, read, rules, forms.
"""
