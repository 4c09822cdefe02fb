"""Form definitions (columns, formulas), the appendix templates written as native
Excel formulas, and the generated sample department workbooks.

May import: domain, read, rules.
"""
