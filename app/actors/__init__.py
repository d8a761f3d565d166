"""Actors: the curated part of the gazetteer (who can act in an event, under which names)."""
