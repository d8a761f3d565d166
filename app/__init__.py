"""Ceasefire Timeline: news reports about ceasefire negotiations in, a dated timeline out."""

__version__ = "0.1.0"
