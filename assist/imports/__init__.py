"""Importing existing household ledgers (台账) from Excel or CSV: dry run, then confirm."""
