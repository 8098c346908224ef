"""One inbox per person: every domain registers the work it has waiting for a user."""
