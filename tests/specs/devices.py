"""Specs for the devices family: device_put to the host is the identity in value and derivative (on a device
backend the inputs live on the GPU, so the VJP's move back is exercised too)."""
from funcgrad.primitives.devices import device_put

from . import unary

SPECS = [unary("device_put", lambda x: device_put(x, "cpu"))]
