"""Figures: the dashboards' summary table, the figures registry and the charts."""
