"""Aid cases: applying for aid, tiered approval, public notice."""
