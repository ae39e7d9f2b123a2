"""Sweeps: what varies (parameters), how points are drawn (samplers), where they run (executors)."""
