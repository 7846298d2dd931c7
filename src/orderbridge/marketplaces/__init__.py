"""Connectors to sales channels: the port, the registry, rate-limited HTTP, one package each."""
