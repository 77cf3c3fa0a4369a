"""Schema migrations of the shared store, applied by ``python -m atlas db upgrade``."""
