"""Voting: passes (the register), ballots (the ballot box), counting and results."""
