"""The model: agents, the battlefield, beliefs, truces and events; the talks are ``negotiation/``."""
