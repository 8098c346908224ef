"""Short built-in help per area: the file process, the case workflow, the approval limits."""
