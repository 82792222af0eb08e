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

# Scripts the tests run as data (tests/data/torch_style_train.py imports real torch): never collected, not even by
# --doctest-modules, so a run without the anchors installed stays green.
collect_ignore_glob = ["data/*"]


def pytest_collection_modifyitems(config, items):
    """On a device backend, run the modules written for any backend (``RUNS_ON_DEVICES = True``: the registry-driven
    gradient suite, transforms, the Tensor façade, devices) and skip the NumPy-specific rest, doctests included."""
    if not _backend.ON_DEVICE:
        return
    import pytest

    skip = pytest.mark.skip(reason=f"NumPy-specific module: not part of the {_backend.NAME} backend run")
    for item in items:
        mod = getattr(item, "module", None)
        if mod is None or not getattr(mod, "RUNS_ON_DEVICES", False):
            item.add_marker(skip)
