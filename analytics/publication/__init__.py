"""Published statistics: the only figures a manager, a download or the organisation page
shows (DESIGN.md, invariant 4).

Per local day, people are grouped into units (``units``), each unit's candidate cells are
built from their finest contributions (``cells``), suppressed until no margin covers fewer
than k people and no combination isolates anyone (``suppress``, ``isolation``), and written
once (``publish``); pages read sums of published cells (``figures``).
"""
