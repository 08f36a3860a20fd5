"""The package version, in a module of its own (no import of the package)."""

__version__ = "0.1.0"
