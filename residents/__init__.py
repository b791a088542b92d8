"""Resident accounts: an email address, a sign-in link, nothing to remember."""
