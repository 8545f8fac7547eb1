"""Data access: the single table's schema, the PynamoDB base, transactions, counters, audit."""
