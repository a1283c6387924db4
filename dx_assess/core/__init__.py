"""The pure core: questionnaire model, scoring, results, report and dashboard data, file
formats. Imports nothing of Flask or SQLAlchemy and nothing of the app outside core."""
