"""The municipality registry: loading the 179 municipalities and the support-programme list."""
