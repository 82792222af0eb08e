"""Hypothesis profiles: FUNCGRAD_HYPOTHESIS_PROFILE=dev (default) | ci (bounded, derandomized) | intense."""
import os

from hypothesis import HealthCheck, settings

_common = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much,
                                                     HealthCheck.data_too_large])
settings.register_profile("dev", max_examples=25, **_common)
settings.register_profile("ci", max_examples=12, derandomize=True, print_blob=True, **_common)
settings.register_profile("intense", max_examples=400, **_common)
settings.load_profile(os.environ.get("FUNCGRAD_HYPOTHESIS_PROFILE", "dev"))

# The array backend under test (FUNCGRAD_TEST_BACKEND=numpy|standin|cupy), see tests/_backend.py.
import _backend  # noqa: E402

_backend.install()
