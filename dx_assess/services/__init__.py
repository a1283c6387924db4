"""Services: reads and writes through a session they are given; they flush, the unit of work
commits. Import core and models."""
