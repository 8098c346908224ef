"""Every list exported to Excel and CSV with its filters: `format=xlsx|csv` on the list's URL."""
