"""Monthly and yearly returns (月报/年报): compiled from the records, signed up the tiers."""
