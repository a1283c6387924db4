"""Excel."""
