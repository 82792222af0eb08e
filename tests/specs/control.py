"""Specs for the control family: stop_gradient returns its input as a plain value under every trace."""
from funcgrad import stop_gradient

from . import nondiff

SPECS = [nondiff("stop_gradient", stop_gradient, lambda x: x)]
