"""Pairing (结对帮扶): households and their helpers, plans and contacts."""
