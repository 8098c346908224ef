"""The search box in the top bar: each domain registers how to find its records."""
