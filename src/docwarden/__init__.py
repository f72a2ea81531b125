"""docwarden: a governed inference server for document models."""

__version__ = "0.3.2"
