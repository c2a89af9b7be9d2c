"""Andon: the repeated-complaint rule (`rule`, pure) and the alerts and work orders it opens (`alerts`, the store)."""
