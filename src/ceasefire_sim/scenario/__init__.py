"""The scenario format: schema, YAML loading and composition, provenance of values."""
