"""Partnerships, their members and staff accounts, and the rounds they run."""
