"""Statistics import."""
