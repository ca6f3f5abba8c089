"""cxsim's version: recorded in every output and checked on every Dask worker."""

__version__ = "0.1.0"
