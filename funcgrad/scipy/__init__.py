"""SciPy-compatible names over funcgrad primitives (``funcgrad.scipy.special``)."""
from . import special  # noqa: F401
from . import linalg  # noqa: F401  (scipy.linalg's names)
from . import signal  # noqa: F401  (scipy.signal's convolutions)
from . import integrate  # noqa: F401  (odeint and solve_ivp, with adjoint derivatives)
from . import stats  # noqa: F401  (scipy.stats' distributions, one module each)
