"""Funds and payments: allocations down the tiers, an append-only ledger, payments."""
