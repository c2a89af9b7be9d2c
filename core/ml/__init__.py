"""Offline model loaders: one protocol per kind, backends chosen by name from a registry."""
