"""Reliability tests that do the damage for real: killed workers, races, a lost database."""
