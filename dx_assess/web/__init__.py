"""The web layer: one package per feature (views, forms, presenters, templates together).
Imports services, models and core."""
