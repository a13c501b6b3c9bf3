"""Comparison of parsed answers with canonical keys, and scoring."""
