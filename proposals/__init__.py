"""Proposals residents and officers put forward for a round's budget."""
