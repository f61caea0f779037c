"""Data platform jobs."""
