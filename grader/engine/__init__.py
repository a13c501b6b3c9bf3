"""The engine: canonical answers computed from a problem's model and evaluation rules."""
