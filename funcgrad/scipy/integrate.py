"""ODE solvers with derivatives: ``odeint`` (JAX's and HIPS autograd's signature) and ``solve_ivp`` (SciPy's), both
over adaptive explicit Runge-Kutta pairs (``RK45``, Dormand-Prince 5(4), the default; ``DOP853``; ``RK23``) with
SciPy's step-size control. SciPy is not needed.

The solve runs on plain arrays, untraced (``funcgrad/scipy/_rk.py``), as one primitive whose rules solve ODEs too:

* reverse mode is the adjoint method: from the last time point back to the first, the state ``y``, its cotangent
  ``a = dL/dy`` and the parameters' cotangents are integrated backwards together (``da/dt = -a df/dy``,
  ``dp_bar/dt = -a df/dp``, both one ``vjp`` of ``func``), the output cotangent added at each time point; the time
  points get ``dL/dt_i = g_i . f(y_i, t_i)`` and ``dL/dt_0 = -a(t_0) . f(y_0, t_0)``. Memory does not grow with
  the number of steps.
* forward mode is forward sensitivity: ``y`` and its tangent ``s`` are integrated together (``ds/dt = df/dy s +
  df/dp dp``, one ``jvp`` of ``func``), from ``s(t_0) = dy_0 - f(y_0, t_0) dt_0``.

Both rules call the same primitive again, so derivatives of any order compose (``grad`` of ``grad``, ``jacfwd``,
``hessian``), at the cost of a larger augmented system per order. ``vmap`` loops over the batch, one solve per
example. The derivatives are those of the exact solution, computed to the solve's tolerances (not the derivative
of the discrete steps), so ask for tight ``rtol``/``atol`` where gradients must be accurate. Parameters must reach
``func`` through ``args``: a traced value that ``func`` closes over raises an error instead of a wrong gradient.

>>> import numpy as np
>>> from funcgrad import grad
>>> from funcgrad.scipy.integrate import odeint
>>> decay = lambda y, t, k: -k * y
>>> round(float(odeint(decay, 1.0, np.array([0.0, 1.0]), 0.5)[1]), 6)  # exp(-0.5)
0.606531
>>> round(float(grad(lambda k: odeint(decay, 1.0, np.array([0.0, 1.0]), k)[1])(0.5)), 6)  # -exp(-0.5)
-0.606531
"""
from __future__ import annotations

import math
from typing import Any, Callable, Sequence

import numpy as _onp

from .. import numpy as _fnp
from .. import tree
from ..backend import device_of, dtype_of, namespace, shape_of, to_host
from ..core import Box, Primitive, getval
from ..core.errors import PrimitiveError
from ..primitives.devices import device_put
from ..transforms import jvp, vjp
from . import _rk
from ._rk import IntegrationError

__all__ = ["odeint", "solve_ivp", "OdeResult", "IntegrationError"]
ArrayLike = Any


# --- the primitive: (y0 flat, times, *parameter leaves) -> y at every time, shape (T, n) ------------------------
def _plain_rhs(func: Callable, params: Sequence, name: str) -> Callable:
    """``(t, y) -> func(y, t, *params)`` for the untraced solver, refusing a traced result."""
    def rhs(t, y):
        out = func(y, t, *params)
        if type(out) is Box:
            raise PrimitiveError(
                f"funcgrad.scipy.integrate.{name}: the right-hand side returned a value traced by "
                f"{out._trace.transform} although its state and parameters were plain: it closes over a traced "
                f"value. Pass that value to the solver as a parameter (odeint(func, y0, t, *args), "
                f"solve_ivp(..., args=(...))) so that its derivative is computed")
        return out

    return rhs


def _solve_impl(y0, ts, *params, func: Callable, method: str, rtol: float, atol: Any, max_steps: int,
                first_step: float | None, max_step: float, name: str, info: dict | None):
    times = [float(v) for v in _onp.ravel(to_host(ts)).tolist()]
    ys, stats = _rk.solve(_plain_rhs(func, params, name), y0, times, method, rtol, atol, max_steps, first_step,
                          max_step, name)
    if info is not None:
        info["nfev"] = info.get("nfev", 0) + stats.nfev
    return namespace(y0).stack(ys)


_ode = Primitive("odeint", _solve_impl, register=False, doc="An ODE solve at given times (funcgrad.scipy.integrate).")


def _derived(opts: dict, what: str) -> dict:
    """The options of a solve that a derivative rule runs (the adjoint or the sensitivity system)."""
    atol = opts["atol"]
    if not isinstance(atol, float):  # a per-component atol does not fit the augmented state: its smallest entry
        atol = float(to_host(atol).min())
    return dict(opts, atol=atol, first_step=None, info=None,
                name=opts["name"] if "(" in opts["name"] else f"{opts['name']} ({what} solve of a derivative)")


def _is_real_float(p) -> bool:
    return dtype_of(p).kind == "f"


def _put(params: Sequence, idx: Sequence[int], vals: Sequence) -> list:
    out = list(params)
    for i, v in zip(idx, vals):
        out[i] = v
    return out


def _ode_vjp(g, ans, y0, ts, *params, func, **opts):
    """The adjoint method: segment by segment from the last time back to the first, one solve of ``(y, a, p_bar)``
    backwards in time, starting each from the stored forward solution (so that ``y`` does not drift)."""
    n, T, dt = shape_of(y0)[0], shape_of(ts)[0], dtype_of(y0)
    diff = [i for i, p in enumerate(params) if _is_real_float(p)]
    shapes = [shape_of(params[i]) for i in diff]
    sizes = [math.prod(s) for s in shapes]

    def adjoint(state, t, *ps):
        y, a = state[:n], state[n:2 * n]
        fy, pull = vjp(lambda y_, *dp: func(y_, t, *_put(ps, diff, dp)), y, *[ps[i] for i in diff])
        cts = pull(a)
        return _fnp.concatenate([fy, -cts[0]] + [-_fnp.astype(_fnp.ravel(c), dt) for c in cts[1:]])

    aopts = _derived(opts, "adjoint")
    a = g[T - 1]
    pbar = _fnp.zeros_like(y0, shape=(sum(sizes),))
    t_bars = [None] * T
    a_at_t0 = None
    for i in range(T - 1, 0, -1):
        yi, ti = ans[i], ts[i]
        t_bars[i] = _fnp.sum(func(yi, ti, *params) * g[i])
        state = _fnp.concatenate([yi, a, pbar])
        last = _ode(state, _fnp.stack([ti, ts[i - 1]]), *params, func=adjoint, **aopts)[1]
        a_at_t0, pbar = last[n:2 * n], last[2 * n:]
        a = a_at_t0 + g[i - 1]
    t_bars[0] = (_fnp.zeros_like(ts[0]) if a_at_t0 is None else
                 -_fnp.sum(a_at_t0 * func(y0, ts[0], *params)))
    p_bars: list = [None] * len(params)
    off = 0
    for i, s, k in zip(diff, shapes, sizes):
        p_bars[i] = _fnp.reshape(pbar[off:off + k], s)
        off += k
    return (a, _fnp.stack(t_bars), *p_bars)


def _ode_jvp(tangents, ans, y0, ts, *params, func, **opts):
    """Forward sensitivity: one solve of ``(y, s)`` over all the times, ``s`` the tangent of ``y``."""
    n, T, k, dt = shape_of(y0)[0], shape_of(ts)[0], len(params), dtype_of(y0)
    dy0, dts, dps = tangents[0], tangents[1], tangents[2:]
    active = [i for i, d in enumerate(dps) if d is not None]
    s0 = _fnp.zeros_like(y0) if dy0 is None else dy0
    if dts is not None:  # starting later is starting from y0 moved back along the flow
        s0 = s0 - func(y0, ts[0], *params) * dts[0]
    if dtype_of(s0) != dt:  # the augmented state keeps the state's dtype (float64 times must not widen it)
        s0 = _fnp.astype(s0, dt)

    def sensitivity(state, t, *ps):
        y, s = state[:n], state[n:]
        base = ps[:k]
        fy, fs = jvp(lambda y_, *ap: func(y_, t, *_put(base, active, ap)),
                     (y, *[base[i] for i in active]), (s, *ps[k:]))
        return _fnp.concatenate([fy, fs if dtype_of(fs) == dt else _fnp.astype(fs, dt)])

    out = _ode(_fnp.concatenate([y0, s0]), ts, *params, *[dps[i] for i in active], func=sensitivity,
               **_derived(opts, "sensitivity"))
    tan = out[:, n:]
    if dts is not None:  # a later time point reads the solution further along
        rates = _fnp.stack([func(ans[i], ts[i], *params) for i in range(T)])
        tan = tan + rates * _fnp.reshape(dts, (T, 1))
    return tan


_ode.def_vjp_joint(_ode_vjp)
_ode.def_jvp_joint(_ode_jvp)


# --- from pytrees to the flat state and back ----------------------------------------------------------------------
class _Layout:
    """How a pytree of arrays sits in one flat vector of ``dtype``."""

    def __init__(self, treedef, shapes: list, dtype):
        self.treedef, self.shapes, self.dtype = treedef, shapes, dtype
        self.sizes = [math.prod(s) for s in shapes]
        self.n = sum(self.sizes)
        self.vector = len(shapes) == 1 and len(shapes[0]) == 1  # one 1-d leaf: the flat state is the leaf itself

    def ravel(self, leaves: list):
        pieces = [x if len(shape_of(x)) == 1 else _fnp.ravel(x) for x in leaves]
        v = pieces[0] if len(pieces) == 1 else _fnp.concatenate(pieces)
        return v if dtype_of(v) == self.dtype else _fnp.astype(v, self.dtype)

    def unravel(self, v, lead: tuple = ()):
        """The pytree from a flat vector (or from a stack of them, the leading axes ``lead``)."""
        if self.vector:
            return tree.unflatten(self.treedef, [v])
        leaves, off = [], 0
        for s, k in zip(self.shapes, self.sizes):
            leaves.append(_fnp.reshape(v[..., off:off + k], lead + s))
            off += k
        return tree.unflatten(self.treedef, leaves)

    def rate(self, out, name: str, what: str):
        """The right-hand side's value ``out`` as a flat vector, after checking it is shaped like the state."""
        if len(self.shapes) == 1 and tree.structure(out) != self.treedef:
            out = _fnp.asarray(out)  # fun returning a list for an array state, as SciPy allows
        leaves, td = tree.flatten(out)
        if td != self.treedef:
            raise PrimitiveError(f"funcgrad.scipy.integrate.{name}: {what} returned a pytree of structure {td!r}, "
                                 f"but the state has structure {self.treedef!r}; return one derivative per "
                                 f"state leaf")
        for x, s in zip(leaves, self.shapes):
            if shape_of(x) != s:
                raise PrimitiveError(f"funcgrad.scipy.integrate.{name}: {what} returned shape {shape_of(x)} "
                                     f"for a state of shape {s}; dy/dt must be shaped like y")
        return self.ravel(leaves)


def _state(y0: Any, name: str, what: str) -> tuple:
    leaves, td = tree.flatten(y0)
    if not leaves:
        raise ValueError(f"funcgrad.scipy.integrate.{name}: {what} has no arrays in it")
    leaves = [_fnp.asarray(x) for x in leaves]
    kinds = {dtype_of(x).kind for x in leaves}
    if "c" in kinds:
        raise TypeError(f"funcgrad.scipy.integrate.{name}: {what} is complex ({[str(dtype_of(x)) for x in leaves]}"
                        f"); only real states are supported: integrate the real and imaginary parts as two states")
    if not kinds <= set("fiub"):
        raise TypeError(f"funcgrad.scipy.integrate.{name}: {what} must hold numbers, got dtypes "
                        f"{[str(dtype_of(x)) for x in leaves]}")
    floats = [dtype_of(x) for x in leaves if dtype_of(x).kind == "f"]
    dtype = _onp.result_type(*floats) if floats else _onp.dtype(_onp.float64)
    layout = _Layout(td, [shape_of(x) for x in leaves], dtype)
    return layout, layout.ravel(leaves)


def _params(args: tuple, name: str) -> tuple:
    leaves, td = tree.flatten(tuple(args))
    for x in leaves:
        if getattr(x, "dtype", None) is not None and dtype_of(x).kind == "c":
            raise TypeError(f"funcgrad.scipy.integrate.{name}: a parameter in args is complex ({dtype_of(x)}); "
                            f"only real parameters are supported")
    return leaves, td


def _times(t: Any, name: str, what: str, like: Any):
    """``t`` as a 1-d float array on the device of the state ``like`` (the rules mix them), and on the host."""
    ts = _fnp.asarray(t)
    where = device_of(getval(like))
    if device_of(getval(ts)) != where:  # differentiably: the time points' gradients go back to their device
        ts = device_put(ts, where)
    if len(shape_of(ts)) != 1:
        raise ValueError(f"funcgrad.scipy.integrate.{name}: {what} must be 1-dimensional, got shape "
                         f"{shape_of(ts)}")
    if dtype_of(ts).kind != "f":
        ts = _fnp.astype(ts, _onp.float64)
    host = _onp.asarray(to_host(getval(ts)), dtype=float)
    if not _onp.all(_onp.isfinite(host)):
        raise ValueError(f"funcgrad.scipy.integrate.{name}: {what} must be finite, got {host}")
    steps = _onp.diff(host)
    if not (_onp.all(steps >= 0) or _onp.all(steps <= 0)):
        raise ValueError(f"funcgrad.scipy.integrate.{name}: {what} must be sorted (increasing or decreasing), "
                         f"got {host}")
    return ts, host


def _options(name: str, method: str, rtol: float, atol: Any, max_steps: int, first_step, max_step, dtype,
             like) -> dict:
    if method not in _rk.METHODS:
        raise ValueError(f"funcgrad.scipy.integrate.{name}: method={method!r} is not available; funcgrad has the "
                         f"explicit methods {sorted(_rk.METHODS)} (no implicit 'Radau', 'BDF' or 'LSODA')")
    if not (isinstance(max_steps, int) and max_steps > 0):
        raise ValueError(f"funcgrad.scipy.integrate.{name}: max_steps must be a positive int, got {max_steps!r}")
    if max_step <= 0:
        raise ValueError(f"funcgrad.scipy.integrate.{name}: max_step must be positive, got {max_step!r}")
    if first_step is not None and first_step <= 0:
        raise ValueError(f"funcgrad.scipy.integrate.{name}: first_step must be positive, got {first_step!r}")
    # As SciPy: tolerances below a hundred ulps cannot be met, so they are raised to that (for the state's dtype).
    rtol = max(float(rtol), 100 * float(_onp.finfo(dtype).eps))
    if _onp.ndim(atol) == 0:
        atol = float(atol)
    else:
        atol = namespace(like).asarray(to_host(atol) if hasattr(atol, "shape") else _onp.asarray(atol), dtype=dtype)
    return dict(method=method, rtol=rtol, atol=atol, max_steps=max_steps, first_step=first_step,
                max_step=float(max_step), name=name)


# --- odeint -------------------------------------------------------------------------------------------------------
def odeint(func: Callable, y0: Any, t: ArrayLike, *fargs: Any, args: tuple | None = None, rtol: float = 1.4e-8,
           atol: float = 1.4e-8, max_steps: int = 10_000, method: str = "RK45", hmax: float = math.inf) -> Any:
    """The solution of ``dy/dt = func(y, t, *args)`` from ``y0`` at ``t[0]``, at every time in ``t`` (JAX's
    ``jax.experimental.ode.odeint``): a pytree like ``y0`` whose leaves gain a leading axis of ``len(t)``. The
    extra arguments come after ``t`` as in JAX, or as SciPy's (and HIPS autograd's) keyword ``args=(...)``.

    ``y0`` and each argument may be pytrees of arrays (``func`` gets and returns the same structure as ``y0``);
    ``t`` is sorted, increasing or decreasing. The derivatives with respect to ``y0``, ``t`` and every float leaf
    of ``args`` are computed by the adjoint method (reverse mode) or forward sensitivity (forward mode). A solve
    taking more than ``max_steps`` step attempts raises :class:`IntegrationError` (stiff problems do: funcgrad
    has no implicit method). ``hmax`` bounds the step size; ``method`` is ``"RK45"``, ``"DOP853"`` or ``"RK23"``.

    >>> import numpy as np, funcgrad.numpy as fnp
    >>> t = np.linspace(0.0, np.pi, 3)
    >>> ys = odeint(lambda y, t: {"x": y["v"], "v": -y["x"]}, {"x": 1.0, "v": 0.0}, t)
    >>> np.round(ys["x"], 6) + 0.0  # cos(t)
    array([ 1.,  0., -1.])
    """
    name = "odeint"
    if args is not None:
        if fargs:
            raise TypeError(f"{name}: extra arguments given both after t and as args=; use one of the two")
        fargs = tuple(args) if isinstance(args, (tuple, list)) else (args,)
    args = fargs
    layout, y_flat = _state(y0, name, "y0")
    ts, _ = _times(t, name, "t", y_flat)
    p_leaves, p_def = _params(args, name)
    opts = _options(name, method, rtol, atol, max_steps, None, hmax, layout.dtype, getval(y_flat))

    def flat(y, tt, *leaves):
        return layout.rate(func(layout.unravel(y), tt, *tree.unflatten(p_def, leaves)), name, "func")

    ys = _ode(y_flat, ts, *p_leaves, func=flat, info=None, **opts)
    return layout.unravel(ys, (shape_of(ts)[0],))


# --- solve_ivp ----------------------------------------------------------------------------------------------------
class OdeResult(dict):
    """``solve_ivp``'s result, SciPy's ``OdeResult``: a dict whose keys read as attributes too (``t``, ``y`` with
    shape ``(n, len(t))``, ``nfev``, ``status``, ``message``, ``success`` ...)."""

    def __getattr__(self, name: str) -> Any:
        try:
            return self[name]
        except KeyError:
            raise AttributeError(name) from None

    __setattr__ = dict.__setitem__
    __delattr__ = dict.__delitem__

    def __repr__(self) -> str:
        return "\n".join(f"{k:>9}: {v!r}" for k, v in self.items())


_KNOWN_OPTIONS = ("rtol", "atol", "first_step", "max_step", "max_steps")


def solve_ivp(fun: Callable, t_span: Sequence[float], y0: ArrayLike, method: str = "RK45",
              t_eval: ArrayLike | None = None, dense_output: bool = False, events: Any = None,
              vectorized: bool = False, args: tuple | None = None, **options: Any) -> OdeResult:
    """Solve ``dy/dt = fun(t, y, *args)`` over ``t_span = (t0, t1)`` from ``y0`` (SciPy's
    ``scipy.integrate.solve_ivp``, its ``RK45``, ``DOP853`` and ``RK23`` methods), differentiably.

    Options as SciPy's: ``rtol=1e-3``, ``atol=1e-6`` (a scalar or one per component), ``first_step``,
    ``max_step``; and ``max_steps=10_000``, the bound on step attempts. ``y0`` is 1-d, ``args`` a tuple (of
    pytrees of arrays). The result's ``y`` has shape ``(n, len(t))``; ``t`` is ``t_eval`` when given, else the
    solver's own steps. Derivatives of ``y`` with respect to ``y0``, ``t_span``, ``t_eval`` and the float leaves
    of ``args`` come from the adjoint method (reverse mode) or forward sensitivity (forward mode); under ``vmap``
    pass ``t_eval`` (the steps differ from one example to the next).

    Differences from SciPy: the solver steps onto each time of ``t_eval`` instead of interpolating, so the values
    there are the method's own (they agree with SciPy's within the tolerances); ``dense_output`` and ``events``
    are not supported, ``vectorized`` is accepted and ignored; a solve that cannot finish (past ``max_steps``, or a
    step below the float spacing) raises :class:`IntegrationError` where SciPy returns ``status=-1``.

    >>> import numpy as np
    >>> sol = solve_ivp(lambda t, y, k: -k * y, (0.0, 2.0), np.array([1.0, 2.0]), t_eval=[1.0, 2.0],
    ...                 args=(0.5,), rtol=1e-10, atol=1e-12)
    >>> sol.y.shape, bool(np.allclose(sol.y[:, -1], np.exp(-1.0) * np.array([1.0, 2.0])))
    ((2, 2), True)
    """
    name = "solve_ivp"
    unknown = sorted(set(options) - set(_KNOWN_OPTIONS))
    if unknown:
        raise TypeError(f"funcgrad.scipy.integrate.{name}: unknown options {unknown}; the explicit methods take "
                        f"{list(_KNOWN_OPTIONS)}")
    if dense_output or events is not None:
        raise NotImplementedError(f"funcgrad.scipy.integrate.{name}: dense_output and events are not supported; "
                                  f"pass t_eval= with the times you need")
    if len(shape_of(_fnp.asarray(t_span))) != 1 or len(t_span) != 2:
        raise ValueError(f"funcgrad.scipy.integrate.{name}: t_span must be a pair (t0, t1), got {t_span!r}")
    y0 = _fnp.asarray(y0)
    if len(shape_of(y0)) != 1:
        raise ValueError(f"funcgrad.scipy.integrate.{name}: y0 must be 1-dimensional, got shape {shape_of(y0)}")
    layout, y_flat = _state(y0, name, "y0")
    p_leaves, p_def = _params(() if args is None else tuple(args), name)
    span, host = _times(_fnp.stack([_fnp.asarray(t_span[0]), _fnp.asarray(t_span[1])]), name, "t_span", y_flat)
    opts = _options(name, method, options.get("rtol", 1e-3), options.get("atol", 1e-6),
                    options.get("max_steps", 10_000), options.get("first_step"),
                    options.get("max_step", math.inf), layout.dtype, getval(y_flat))

    def flat(y, tt, *leaves):
        return layout.rate(fun(tt, y, *tree.unflatten(p_def, leaves)), name, "fun")

    info: dict = {}
    if t_eval is not None:
        t_out, t_host = _times(t_eval, name, "t_eval", y_flat)
        lo, hi = min(host), max(host)
        if t_host.size and (t_host.min() < lo or t_host.max() > hi):
            raise ValueError(f"funcgrad.scipy.integrate.{name}: values in t_eval are not within t_span {host}")
        if t_host.size > 1 and (t_host[-1] - t_host[0]) * (host[1] - host[0]) < 0:
            raise ValueError(f"funcgrad.scipy.integrate.{name}: t_eval must be sorted in the direction of t_span")
        ts = _fnp.concatenate([span[:1], _fnp.astype(t_out, dtype_of(span))])
        ys = _ode(y_flat, ts, *p_leaves, func=flat, info=info, **opts)[1:]
    else:
        traced = [x for x in [y_flat, span, *p_leaves] if type(x) is Box]
        if any(_batched(x) for x in traced):
            raise ValueError(f"funcgrad.scipy.integrate.{name} under vmap needs t_eval: without it the solver's "
                             f"own steps are returned, and they differ from one example to the next")
        # one plain solve finds the steps; under a transform, the primitive then solves onto them, differentiably
        y_plain = getval(y_flat)
        rhs = _plain_rhs(flat, [getval(x) for x in p_leaves], name)
        ys_list, stats = _rk.solve(rhs, y_plain, [float(host[0]), float(host[1])], opts["method"], opts["rtol"],
                                   opts["atol"], opts["max_steps"], opts["first_step"], opts["max_step"], name,
                                   record_steps=True)
        info["nfev"] = stats.nfev
        if len(stats.times) < 2:  # an empty state or interval: no steps taken
            stats.times, stats.states = [float(host[0]), float(host[1])], ys_list
        steps = _onp.asarray(stats.times)
        if not traced:
            return _result(namespace(y_plain).asarray(steps), namespace(y_plain).stack(stats.states), info)
        inner = namespace(y_plain).asarray(steps[1:-1], dtype=dtype_of(span))
        t_out = _fnp.concatenate([span[:1], inner, span[1:]])
        ys = _ode(y_flat, t_out, *p_leaves, func=flat, info=None, **opts)
    return _result(t_out, ys, info)


def _batched(x) -> bool:
    while type(x) is Box:
        if getattr(x._trace, "batching", False):
            return True
        x = x.value
    return False


def _result(t, ys, info: dict) -> OdeResult:
    return OdeResult(t=t, y=_fnp.transpose(ys), sol=None, t_events=None, y_events=None, nfev=info.get("nfev", 0),
                     njev=0, nlu=0, status=0,
                     message="The solver successfully reached the end of the integration interval.", success=True)
