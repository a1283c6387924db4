"""Dashboards and exports for a survey round: the adviser's home, the round status, the
regional comparison with its choropleth map, the plan KPIs and the CSV/Excel exports.

``kpis``, ``geo`` and ``choropleth`` are pure (no Flask, no SQLAlchemy); ``exports`` builds pandas
frames from a :class:`~dx_assess.results.model.RoundResults`; ``views`` is the blueprint.
"""
