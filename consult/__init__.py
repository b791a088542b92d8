"""Consult: residents comment on a round's priorities and rank them; moderators hide comments with a
reason; engagement counts per step of the arc."""
