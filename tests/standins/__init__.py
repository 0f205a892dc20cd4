"""Loopback HTTP servers that speak the outside services' real protocols, for tests and benches."""
