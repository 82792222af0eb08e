"""Run under mpiexec by tests/test_distributed.py: DistributedDataParallel's all-reduce of the last layer's bucket
starts during the backward pass, before the first layer's backward runs (an order log: the first layer is a custom
autograd.Function whose backward writes into it, dist.all_reduce is wrapped to write into it too), and the
gradients are still those of single-process training on the whole batch. Prints "ok <rank>"."""
import sys

import numpy as np

import funcgrad as fg
import funcgrad.distributed as dist
from funcgrad import nn

fg.set_default_dtype(fg.float64)
dist.init_process_group("mpi")
R, N = dist.get_rank(), dist.get_world_size()
D, H, B = 3, 4, 4 * N
log = []


class LoggedMatmul(fg.autograd.Function):
    @staticmethod
    def forward(ctx, x, w):
        ctx.save_for_backward(x, w)
        return x @ w

    @staticmethod
    def backward(ctx, g):
        x, w = ctx.saved_tensors
        log.append("first layer backward")
        return g @ w.T, x.T @ g


class First(nn.Module):
    def __init__(self):
        super().__init__()
        self.weight = nn.Parameter(fg.randn(D, H))

    def forward(self, x):
        return LoggedMatmul.apply(x, self.weight)


def model():
    fg.manual_seed(0)
    return nn.Sequential(First(), nn.Tanh(), nn.Linear(H, 2))


rng = np.random.RandomState(1)
X, Y = rng.randn(B, D), rng.randn(B, 2)
mine = slice(R * (B // N), (R + 1) * (B // N))

# buckets (parameters in reverse order): [last bias, last weight] = 10 floats = 80 bytes >= the 64-byte cap, then
# [first weight]
ddp = nn.parallel.DistributedDataParallel(model(), bucket_cap_mb=64 / 2 ** 20)
assert [len(b.members) for b in ddp._buckets] == [2, 1], [b.members for b in ddp._buckets]
ddp.module[2].weight.register_hook(lambda g: log.append("last layer gradient hook"))
real_all_reduce = dist.all_reduce


def spy(tensor, *args, **kwargs):
    log.append(f"all_reduce of {tensor.size} values starts")
    return real_all_reduce(tensor, *args, **kwargs)


dist.all_reduce = spy
try:
    ((ddp(fg.tensor(X[mine])) - fg.tensor(Y[mine])) ** 2).mean().backward()
finally:
    dist.all_reduce = real_all_reduce
assert log == ["last layer gradient hook", "all_reduce of 10 values starts", "first layer backward",
               "all_reduce of 12 values starts"], log

ref = model()
((ref(fg.tensor(X)) - fg.tensor(Y)) ** 2).mean().backward()
for (name, p), q in zip(ddp.module.named_parameters(), ref.parameters()):
    np.testing.assert_allclose(p.grad.numpy(), q.grad.numpy(), rtol=1e-10, atol=1e-13, err_msg=name)
dist.destroy_process_group()
sys.stdout.write(f"ok {R}\n")
sys.stdout.flush()
