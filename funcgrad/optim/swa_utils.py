"""Stochastic weight averaging (``torch.optim.swa_utils``): ``AveragedModel`` (SWA, EMA or any average of a model's
parameters), ``SWALR`` (anneal to a constant SWA learning rate) and ``update_bn`` (recompute batch-norm statistics
for the averaged weights), with PyTorch's formulas.

>>> import funcgrad as fg
>>> from funcgrad.optim.swa_utils import AveragedModel
>>> lin = fg.nn.Linear(1, 1, bias=False)
>>> swa = AveragedModel(lin)
>>> with fg.no_grad():
...     _ = lin.weight.fill_(1.0); swa.update_parameters(lin); _ = lin.weight.fill_(3.0); swa.update_parameters(lin)
>>> swa.module.weight.item(), int(swa.n_averaged)
(2.0, 2)
"""
from __future__ import annotations

import copy
import itertools
import math
from typing import Any, Callable, Iterable

from ..nn.modules.batchnorm import _BatchNorm
from ..nn.modules.module import Module
from ..tensors.tensor import Tensor, no_grad, tensor as _tensor
from .lr_scheduler_base import LRScheduler, _per_group

__all__ = ["AveragedModel", "SWALR", "update_bn", "get_ema_multi_avg_fn", "get_swa_multi_avg_fn", "get_ema_avg_fn",
           "get_swa_avg_fn"]


def get_ema_multi_avg_fn(decay: float = 0.999) -> Callable:
    """An exponential moving average over lists of tensors, in place: ``ema = decay ema + (1 - decay) p``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(ema_param_list: list, current_param_list: list, _: Any) -> None:
        with no_grad():
            for e, p in zip(ema_param_list, current_param_list):
                if e.is_floating_point() or e.is_complex():
                    e.lerp_(p, 1 - decay)
                else:
                    e.copy_(e * decay + p * (1 - decay))
    return ema_update


def get_swa_multi_avg_fn() -> Callable:
    """The running equal-weight average over lists of tensors, in place: ``avg += (p - avg) / (n + 1)``."""
    def swa_update(averaged_param_list: list, current_param_list: list, num_averaged: Any) -> None:
        with no_grad():
            n = float(num_averaged)
            for a, p in zip(averaged_param_list, current_param_list):
                if a.is_floating_point() or a.is_complex():
                    a.lerp_(p, 1 / (n + 1))
                else:
                    a.copy_(a + (p - a) / (n + 1))
    return swa_update


def get_ema_avg_fn(decay: float = 0.999) -> Callable:
    """An exponential moving average of one tensor: returns ``decay ema + (1 - decay) p``."""
    if decay < 0.0 or decay > 1.0:
        raise ValueError(f"Invalid decay value {decay} provided. Please provide a value in [0,1] range.")

    def ema_update(ema_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return decay * ema_param + (1 - decay) * current_param
    return ema_update


def get_swa_avg_fn() -> Callable:
    """The running equal-weight average of one tensor: returns ``avg + (p - avg) / (n + 1)``."""
    def swa_update(averaged_param: Tensor, current_param: Tensor, num_averaged: Any) -> Tensor:
        with no_grad():
            return averaged_param + (current_param - averaged_param) / (num_averaged + 1)
    return swa_update


class AveragedModel(Module):
    """A copy of ``model`` whose parameters (and buffers, with ``use_buffers``) average the model's over the calls
    of :meth:`update_parameters`: the equal-weight SWA average by default, else ``avg_fn(avg, p, n)`` (one tensor,
    returns the new average) or ``multi_avg_fn(avgs, ps, n)`` (lists, in place). Without ``use_buffers`` the
    buffers are copied from the model at each update. Calling it runs the averaged copy."""

    def __init__(self, model: Module, device: Any = None, avg_fn: Callable | None = None,
                 multi_avg_fn: Callable | None = None, use_buffers: bool = False) -> None:
        super().__init__()
        if avg_fn is not None and multi_avg_fn is not None:
            raise AssertionError("Only one of avg_fn and multi_avg_fn should be provided")
        self.module = copy.deepcopy(model)
        if device is not None:
            self.module = self.module.to(device)
        self.register_buffer("n_averaged", _tensor(0, dtype="int64", device=device))
        self.avg_fn = avg_fn
        self.multi_avg_fn = multi_avg_fn
        self.use_buffers = use_buffers

    def forward(self, *args: Any, **kwargs: Any) -> Any:
        return self.module(*args, **kwargs)

    def update_parameters(self, model: Module) -> None:
        """Fold ``model``'s current parameters into the average (the first call copies them)."""
        with no_grad():
            mine = (itertools.chain(self.module.parameters(), self.module.buffers()) if self.use_buffers
                    else self.parameters())
            theirs = (itertools.chain(model.parameters(), model.buffers()) if self.use_buffers
                      else model.parameters())
            avgs, cur = [], []
            first = int(self.n_averaged) == 0
            for a, p in zip(mine, theirs):
                p_ = p.detach().to(a.device)
                avgs.append(a)
                cur.append(p_)
                if first:
                    a.copy_(p_)
            n = int(self.n_averaged)
            if n > 0:
                if self.avg_fn is None:
                    (self.multi_avg_fn or get_swa_multi_avg_fn())(avgs, cur, self.n_averaged)
                else:
                    for a, p in zip(avgs, cur):
                        a.copy_(self.avg_fn(a.detach(), p, self.n_averaged))
            if not self.use_buffers:
                for b_swa, b_model in zip(self.module.buffers(), model.buffers()):
                    b_swa.copy_(b_model.detach().to(b_swa.device))
            self.n_averaged.add_(1)


def update_bn(loader: Iterable[Any], model: Module, device: Any = None) -> None:
    """Recompute the running statistics of ``model``'s batch norms with one pass over ``loader`` (the first
    element of tuple or list batches is the input), as a cumulative average (``momentum=None``)."""
    momenta = {}
    for module in model.modules():
        if isinstance(module, _BatchNorm):
            module.reset_running_stats()
            momenta[module] = module.momentum
    if not momenta:
        return
    was_training = model.training
    model.train()
    for module in momenta:
        module.momentum = None
    with no_grad():
        for inp in loader:
            if isinstance(inp, (list, tuple)):
                inp = inp[0]
            if device is not None:
                inp = inp.to(device)
            model(inp)
    for module, m in momenta.items():
        module.momentum = m
    model.train(was_training)


class SWALR(LRScheduler):
    """Anneal each group's learning rate to ``swa_lr`` over ``anneal_epochs`` (cosine or linear), then hold it
    (``torch.optim.swa_utils.SWALR``)."""

    def __init__(self, optimizer: Any, swa_lr: float | list, anneal_epochs: int = 10, anneal_strategy: str = "cos",
                 last_epoch: int = -1) -> None:
        for lr, group in zip(_per_group(optimizer, "swa_lr", swa_lr), optimizer.param_groups):
            group["swa_lr"] = lr
        if anneal_strategy not in ("cos", "linear"):
            raise ValueError(f"anneal_strategy must be one of 'cos' or 'linear', instead got {anneal_strategy}")
        self._set_anneal_func(anneal_strategy)
        if not isinstance(anneal_epochs, int) or anneal_epochs < 0:
            raise ValueError(f"anneal_epochs must be equal or greater than 0, got {anneal_epochs}")
        self.anneal_epochs = anneal_epochs
        super().__init__(optimizer, last_epoch)

    @staticmethod
    def _linear_anneal(t: float) -> float:
        return t

    @staticmethod
    def _cosine_anneal(t: float) -> float:
        return (1 - math.cos(math.pi * t)) / 2

    @staticmethod
    def _get_initial_lr(lr: float, swa_lr: float, alpha: float) -> float:
        if alpha == 1:
            return swa_lr
        return (lr - alpha * swa_lr) / (1 - alpha)

    def _set_anneal_func(self, anneal_strategy: str) -> None:
        self._anneal_strategy = anneal_strategy
        self.anneal_func = self._cosine_anneal if anneal_strategy == "cos" else self._linear_anneal

    def get_lr(self) -> list:
        step = self._step_count - 1
        if self.anneal_epochs == 0:
            step = max(1, step)
        prev_t = max(0, min(1, (step - 1) / max(1, self.anneal_epochs)))
        prev_alpha = self.anneal_func(prev_t)
        groups = self.optimizer.param_groups
        prev_lrs = [self._get_initial_lr(g["lr"], g["swa_lr"], prev_alpha) for g in groups]
        t = max(0, min(1, step / max(1, self.anneal_epochs)))
        alpha = self.anneal_func(t)
        return [g["swa_lr"] * alpha + lr * (1 - alpha) for g, lr in zip(groups, prev_lrs)]

    def state_dict(self) -> dict:
        """Everything but the optimizer and the anneal function."""
        return {k: v for k, v in self.__dict__.items() if k not in ("optimizer", "anneal_func")}

    def load_state_dict(self, state_dict: dict) -> None:
        """Restore a :meth:`state_dict`."""
        self.__dict__.update(state_dict)
        self._set_anneal_func(self._anneal_strategy)


