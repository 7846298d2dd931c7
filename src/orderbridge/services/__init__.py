"""Use cases: one module per capability; each function owns its transactions."""
