"""PDF reports: the municipality report and the regional report, rendered by WeasyPrint.

``data`` / ``regional_data`` build the plain template context from the round's results,
``charts`` draws the matplotlib figures, ``render`` turns templates from ``reports/`` into PDF
with the bundled font and a URL fetcher that serves only the project's assets, ``batch`` caches
reports by input hash and renders a round in parallel worker processes, ``jobs`` runs a batch
in the background for the web page, ``views`` and ``cli`` are the entry points.
"""
