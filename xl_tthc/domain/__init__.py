"""The report's vocabulary: canonical fields, the Issue record, numbers and text as
Vietnamese staff write them, periods, profiles, the unit registry.

Imports nothing else of xl_tthc; every other room builds on it.
"""
