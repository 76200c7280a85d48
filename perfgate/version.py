"""The version of perfgate, importable without the package's plugin registration."""

__version__ = "0.1.0"
