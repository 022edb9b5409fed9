"""The library version, in one place below every other module (model files and manifests record it)."""

__version__ = "0.1.0"
