"""Storage: tables, the engine and its transactions, and migrations."""
