"""Alembic migrations of the storage schema, run by `grade serve` and `grade db upgrade`."""
