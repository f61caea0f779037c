"""Machine learning on gold."""
