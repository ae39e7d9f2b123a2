"""The model: agents, the battlefield, beliefs, packages, talks, truces and events."""
