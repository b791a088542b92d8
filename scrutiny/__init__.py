"""Scrutiny: the audit trail residents can read, queries to the chair, and privacy."""
