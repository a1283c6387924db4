"""The command line (``dx-assess``). Imports services, models and core."""
