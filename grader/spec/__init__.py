"""Problem specs: YAML files validated into frozen models."""
