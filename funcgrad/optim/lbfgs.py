"""L-BFGS (``torch.optim.LBFGS``): limited-memory BFGS after minFunc, with an optional strong-Wolfe line search.

The parameters are treated as one flat vector (a complex parameter as its real and imaginary parts). Scalars of
the algorithm (step sizes, curvature products) are Python floats: computed in double precision, they match
PyTorch's for float64 parameters.
"""
from __future__ import annotations

from typing import Any, Callable, Iterable

from .. import numpy as fnp
from ..tensors.creation import zeros
from ..tensors.extras import view_as_complex, view_as_real
from ..tensors.shape import cat
from ..tensors.tensor import Tensor, enable_grad, no_grad
from .optimizer import Optimizer, _assign, _value

__all__ = ["LBFGS"]


def _dot(a: Tensor, b: Tensor) -> float:
    return float(fnp.dot(a, b))


def _absmax(a: Tensor) -> float:
    return float(fnp.max(fnp.abs(a)))


def _cubic_interpolate(x1: float, f1: float, g1: float, x2: float, f2: float, g2: float,
                       bounds: tuple | None = None) -> float:
    """The minimizer of the cubic through ``(x1, f1)``, ``(x2, f2)`` with slopes ``g1``, ``g2``, clipped to
    ``bounds`` (default: the interval); the midpoint when the cubic has no minimizer.

    >>> round(_cubic_interpolate(0.0, 1.0, -2.0, 2.0, 1.0, 2.0), 6)
    1.0
    """
    lo, hi = bounds if bounds is not None else ((x1, x2) if x1 <= x2 else (x2, x1))
    d1 = g1 + g2 - 3 * (f1 - f2) / (x1 - x2)
    d2_square = d1 ** 2 - g1 * g2
    if d2_square >= 0:
        d2 = d2_square ** 0.5
        if x1 <= x2:
            pos = x2 - (x2 - x1) * ((g2 + d2 - d1) / (g2 - g1 + 2 * d2))
        else:
            pos = x1 - (x1 - x2) * ((g1 + d2 - d1) / (g1 - g2 + 2 * d2))
        return min(max(pos, lo), hi)
    return (lo + hi) / 2.0


def _strong_wolfe(obj: Callable, x: list, t: float, d: Tensor, f: float, g: Tensor, gtd: float, c1: float = 1e-4,
                  c2: float = 0.9, tolerance_change: float = 1e-9, max_ls: int = 25) -> tuple:
    """A line search for a step ``t`` along ``d`` satisfying the strong Wolfe conditions (bracketing, then
    zooming with cubic interpolation): ``(f_new, g_new, t, evaluations)``."""
    d_norm = _absmax(d)
    f_new, g_new = obj(x, t, d)
    evals = 1
    gtd_new = _dot(g_new, d)
    t_prev, f_prev, g_prev, gtd_prev = 0.0, f, g, gtd
    done = False
    ls_iter = 0
    bracket: list = []
    bracket_f: list = []
    bracket_g: list = []
    bracket_gtd: list = []
    while ls_iter < max_ls:
        if f_new > f + c1 * t * gtd or (ls_iter > 1 and f_new >= f_prev):
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        if abs(gtd_new) <= -c2 * gtd:
            bracket, bracket_f, bracket_g, done = [t], [f_new], [g_new], True
            break
        if gtd_new >= 0:
            bracket, bracket_f, bracket_g = [t_prev, t], [f_prev, f_new], [g_prev, g_new]
            bracket_gtd = [gtd_prev, gtd_new]
            break
        # extrapolate between 1.01 t and 10 t
        lo, hi = t + 0.01 * (t - t_prev), t * 10
        t_prev, t = t, _cubic_interpolate(t_prev, f_prev, gtd_prev, t, f_new, gtd_new, bounds=(lo, hi))
        f_prev, g_prev, gtd_prev = f_new, g_new, gtd_new
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
    if ls_iter == max_ls:
        bracket, bracket_f, bracket_g = [0.0, t], [f, f_new], [g, g_new]
    # zoom into the bracket
    insuf_progress = False
    low, high = (0, 1) if bracket_f[0] <= bracket_f[-1] else (1, 0)
    while not done and ls_iter < max_ls:
        if abs(bracket[1] - bracket[0]) * d_norm < tolerance_change:
            break
        t = _cubic_interpolate(bracket[0], bracket_f[0], bracket_gtd[0], bracket[1], bracket_f[1], bracket_gtd[1])
        top, bottom = max(bracket), min(bracket)
        eps = 0.1 * (top - bottom)
        if min(top - t, t - bottom) < eps:  # too close to an end: move away unless the last step progressed
            if insuf_progress or t >= top or t <= bottom:
                t = top - eps if abs(t - top) < abs(t - bottom) else bottom + eps
                insuf_progress = False
            else:
                insuf_progress = True
        else:
            insuf_progress = False
        f_new, g_new = obj(x, t, d)
        evals += 1
        gtd_new = _dot(g_new, d)
        ls_iter += 1
        if f_new > f + c1 * t * gtd or f_new >= bracket_f[low]:
            bracket[high], bracket_f[high], bracket_g[high], bracket_gtd[high] = t, f_new, g_new, gtd_new
            low, high = (0, 1) if bracket_f[0] <= bracket_f[1] else (1, 0)
        else:
            if abs(gtd_new) <= -c2 * gtd:
                done = True
            elif gtd_new * (bracket[high] - bracket[low]) >= 0:
                bracket[high], bracket_f[high] = bracket[low], bracket_f[low]
                bracket_g[high], bracket_gtd[high] = bracket_g[low], bracket_gtd[low]
            bracket[low], bracket_f[low], bracket_g[low], bracket_gtd[low] = t, f_new, g_new, gtd_new
    return bracket_f[low], bracket_g[low], bracket[low], evals


class LBFGS(Optimizer):
    """L-BFGS (``torch.optim.LBFGS``): up to ``max_iter`` quasi-Newton iterations per ``step(closure)`` from the
    last ``history_size`` curvature pairs, with a fixed step ``lr`` or ``line_search_fn="strong_wolfe"``. One
    parameter group only; ``step`` needs a closure that clears the gradients, computes the loss, calls
    ``backward()`` and returns the loss.

    >>> import funcgrad as fg
    >>> from funcgrad.optim import LBFGS
    >>> w = fg.tensor([3.0, -1.0], dtype=fg.float64, requires_grad=True)
    >>> opt = LBFGS([w], line_search_fn="strong_wolfe")
    >>> def closure():
    ...     opt.zero_grad(); loss = ((w - 1.0) ** 2).sum(); loss.backward(); return loss
    >>> _ = opt.step(closure); [round(v, 6) for v in w.tolist()]
    [1.0, 1.0]
    """

    def __init__(self, params: Iterable[Any], lr: float = 1, max_iter: int = 20, max_eval: int | None = None,
                 tolerance_grad: float = 1e-7, tolerance_change: float = 1e-9, history_size: int = 100,
                 line_search_fn: str | None = None) -> None:
        if max_eval is None:
            max_eval = max_iter * 5 // 4
        if line_search_fn not in (None, "strong_wolfe"):
            raise ValueError(f"LBFGS: line_search_fn must be None or 'strong_wolfe', got {line_search_fn!r}")
        defaults = dict(lr=lr, max_iter=max_iter, max_eval=max_eval, tolerance_grad=tolerance_grad,
                        tolerance_change=tolerance_change, history_size=history_size, line_search_fn=line_search_fn)
        super().__init__(params, defaults)
        if len(self.param_groups) != 1:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        self._params = self.param_groups[0]["params"]

    def add_param_group(self, param_group: dict) -> None:
        """Refused once constructed: L-BFGS works on one group (``ValueError``)."""
        if self.param_groups:
            raise ValueError("LBFGS doesn't support per-parameter options (parameter groups)")
        super().add_param_group(param_group)

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a ``state_dict()`` (see :meth:`Optimizer.load_state_dict`)."""
        super().load_state_dict(state_dict)
        self._params = self.param_groups[0]["params"]

    # --- the flat vector ------------------------------------------------------------------------------------------
    def _flat_grad(self) -> Tensor:
        views = []
        for p in self._params:
            g = p.grad
            if g is None:
                views.append(zeros(p.numel() * (2 if p.is_complex() else 1), dtype=p.real.dtype
                                   if p.is_complex() else p.dtype, device=p.device))
                continue
            g = g.detach()
            views.append((view_as_real(g) if g.is_complex() else g).reshape(-1))
        return cat(views, 0)

    def _add_grad(self, t: float, d: Tensor) -> None:
        offset = 0
        for p in self._params:
            x = view_as_real(p.data) if p.is_complex() else p.data
            n = x.numel()
            new = x + t * d[offset:offset + n].reshape(x.shape)
            _assign(p, view_as_complex(new) if p.is_complex() else new)
            offset += n

    def _set_params(self, values: list) -> None:
        for p, v in zip(self._params, values):
            _assign(p, v)

    def _evaluate(self, closure: Callable) -> tuple:
        with enable_grad():
            loss = float(closure())
        return loss, self._flat_grad()

    def _directional(self, closure: Callable, x: list, t: float, d: Tensor) -> tuple:
        self._add_grad(t, d)
        out = self._evaluate(closure)
        self._set_params(x)
        return out

    # --- the step -------------------------------------------------------------------------------------------------
    def step(self, closure: Callable[[], Any] | None = None) -> Any:
        """Run up to ``max_iter`` iterations; returns the loss of the first evaluation of ``closure``."""
        if closure is None:
            raise RuntimeError("LBFGS requires a closure: opt.step(closure), where closure() clears the "
                               "gradients, computes the loss, calls loss.backward() and returns the loss")
        with no_grad():
            return self._step(closure)

    def _step(self, closure: Callable) -> Any:
        group = self.param_groups[0]
        lr, max_iter, max_eval = group["lr"], group["max_iter"], group["max_eval"]
        tol_grad, tol_change = group["tolerance_grad"], group["tolerance_change"]
        history_size, line_search = group["history_size"], group["line_search_fn"]
        state = self.state[self._params[0]]
        state.setdefault("func_evals", 0)
        state.setdefault("n_iter", 0)

        with enable_grad():
            orig_loss = closure()
        loss = float(orig_loss)
        current_evals = 1
        state["func_evals"] += 1
        flat_grad = self._flat_grad()
        if _absmax(flat_grad) <= tol_grad:
            return orig_loss

        d, t = state.get("d"), state.get("t")
        old_dirs, old_stps, ro = state.get("old_dirs"), state.get("old_stps"), state.get("ro")
        h_diag, prev_flat_grad, prev_loss = state.get("H_diag"), state.get("prev_flat_grad"), state.get("prev_loss")
        n_iter = 0
        while n_iter < max_iter:
            n_iter += 1
            state["n_iter"] += 1
            if state["n_iter"] == 1:  # steepest descent to start
                d = -flat_grad
                old_dirs, old_stps, ro, h_diag = [], [], [], 1.0
            else:  # the L-BFGS two-loop recursion over the stored curvature pairs
                y = flat_grad - prev_flat_grad
                s = d * t
                ys = _dot(y, s)
                if ys > 1e-10:
                    if len(old_dirs) == history_size:
                        old_dirs.pop(0)
                        old_stps.pop(0)
                        ro.pop(0)
                    old_dirs.append(y)
                    old_stps.append(s)
                    ro.append(1.0 / ys)
                    h_diag = ys / _dot(y, y)
                num_old = len(old_dirs)
                if "al" not in state:
                    state["al"] = [None] * history_size
                al = state["al"]
                q = -flat_grad
                for i in range(num_old - 1, -1, -1):
                    al[i] = _dot(old_stps[i], q) * ro[i]
                    q = q - al[i] * old_dirs[i]
                r = q * h_diag
                for i in range(num_old):
                    be_i = _dot(old_dirs[i], r) * ro[i]
                    r = r + (al[i] - be_i) * old_stps[i]
                d = r
            prev_flat_grad = flat_grad
            prev_loss = loss
            t = min(1.0, 1.0 / float(fnp.sum(fnp.abs(flat_grad)))) * lr if state["n_iter"] == 1 else lr
            gtd = _dot(flat_grad, d)
            if gtd > -tol_change:  # not a descent direction
                break

            ls_evals = 0
            if line_search is not None:
                # snapshots of the values: p.data would follow the line search's trial steps (shared storage)
                x_init = [Tensor._from_value(_value(p)) for p in self._params]

                def obj(x: list, step: float, direction: Tensor) -> tuple:
                    return self._directional(closure, x, step, direction)

                loss, flat_grad, t, ls_evals = _strong_wolfe(obj, x_init, t, d, loss, flat_grad, gtd)
                self._add_grad(t, d)
                opt_cond = _absmax(flat_grad) <= tol_grad
            else:
                self._add_grad(t, d)
                opt_cond = False
                if n_iter != max_iter:
                    loss, flat_grad = self._evaluate(closure)
                    opt_cond = _absmax(flat_grad) <= tol_grad
                    ls_evals = 1
            current_evals += ls_evals
            state["func_evals"] += ls_evals

            if n_iter == max_iter or current_evals >= max_eval or opt_cond:
                break
            if _absmax(d) * abs(t) <= tol_change or abs(loss - prev_loss) < tol_change:
                break

        state.update(d=d, t=t, old_dirs=old_dirs, old_stps=old_stps, ro=ro, H_diag=h_diag,
                     prev_flat_grad=prev_flat_grad, prev_loss=prev_loss)
        return orig_loss
