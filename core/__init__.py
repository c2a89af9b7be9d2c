"""Shared foundation: settings, records, errors, store factories and model loaders.

Kept import-light: nothing heavy (torch, chromadb, faster-whisper) is imported here.
"""

__version__ = "0.1.0"
