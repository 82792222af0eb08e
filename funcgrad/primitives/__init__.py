"""The primitive families: each module declares its primitives beside their derivative rules."""
from . import elementwise  # noqa: F401
