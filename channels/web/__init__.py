"""The citizen web channel: complaint form, tracking page, confirmation and rating."""

# The tracking page's routes live on the same blueprint, in a module of their own.
from . import tracking  # noqa: F401
