"""Results of a round as plain data: scores, peer positions, trends, recommendations.

``model`` is pure (scoring engine + plain inputs -> frozen dataclasses and frames);
``service`` reads the database and caches. Pages, exports and reports read only these.
"""
