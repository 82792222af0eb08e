"""Run under mpiexec by tests/test_distributed.py: every collective against its NumPy definition over the inputs
of all ranks (each rank rebuilds every rank's input from its seed), on arrays and on Tensors, blocking and
non-blocking, on the default group and on a sub-group; the differentiable collectives against the same function
computed in one process; the errors. Prints one "ok <rank>" line at the end."""
import sys

import numpy as np

import funcgrad as fg
import funcgrad.distributed as dist
from funcgrad.distributed import functional as F

dist.init_process_group("mpi")
R, N = dist.get_rank(), dist.get_world_size()
SHAPE = (3, 2)


def data(r, shape=SHAPE, dtype=np.float64):
    return (np.random.RandomState(10 + r).randn(*shape) * 3).astype(dtype)


ALL = np.stack([data(r) for r in range(N)])
close = np.testing.assert_allclose

# all_reduce: every op, blocking and async, on arrays and Tensors
refs = {"SUM": ALL.sum(0), "AVG": ALL.mean(0), "MAX": ALL.max(0), "MIN": ALL.min(0), "PRODUCT": ALL.prod(0)}
for name, ref in refs.items():
    x = data(R)
    assert dist.all_reduce(x, op=getattr(dist.ReduceOp, name)) is None
    close(x, ref, rtol=1e-12, err_msg=name)
    y = data(R)
    w = dist.all_reduce(y, op=getattr(dist.ReduceOp, name), async_op=True)
    w.wait()
    assert w.is_completed()
    close(y, ref, rtol=1e-12, err_msg=name)
ints = np.arange(4, dtype=np.int64) * (R + 1)
dist.all_reduce(ints)
assert (ints == np.arange(4) * sum(range(1, N + 1))).all()
t = fg.tensor(data(R))
dist.all_reduce(t)
close(t.numpy(), ALL.sum(0))

# Tensors that require grad: .grad and .data in place, as torch users write them
p = fg.tensor(data(R), requires_grad=True)
(p * fg.tensor(float(R + 1))).sum().backward()
dist.all_reduce(p.grad, op=dist.ReduceOp.AVG)
close(p.grad.numpy(), np.full(SHAPE, (N + 1) / 2))
dist.broadcast(p.data, src=N - 1)
close(p.detach().numpy(), data(N - 1))
assert p.requires_grad and p.is_leaf

# broadcast, reduce
x = data(R)
dist.broadcast(x, src=1 % N)
close(x, data(1 % N))
x = data(R)
dist.reduce(x, dst=0)
close(x, ALL.sum(0) if R == 0 else data(R))

# all_gather (list), all_gather_into_tensor (concatenated and stacked)
outs = [np.zeros(SHAPE) for _ in range(N)]
dist.all_gather(outs, data(R))
for r in range(N):
    close(outs[r], data(r))
cat = np.zeros((N * SHAPE[0], SHAPE[1]))
dist.all_gather_into_tensor(cat, data(R))
close(cat, np.concatenate(list(ALL)))
stk = fg.zeros(N, *SHAPE, dtype=fg.float64)
dist.all_gather_into_tensor(stk, fg.tensor(data(R)), async_op=True).wait()
close(stk.numpy(), ALL)

# reduce_scatter (list), reduce_scatter_tensor: rank r gets the sum of everyone's block r
big = [np.random.RandomState(100 + r).randn(N * 2, 3) for r in range(N)]
out = np.zeros((2, 3))
dist.reduce_scatter_tensor(out, big[R])
close(out, sum(big)[2 * R:2 * R + 2])
out = np.zeros((2, 3))
dist.reduce_scatter(out, [big[R][2 * s:2 * s + 2] for s in range(N)], op=dist.ReduceOp.MAX)
close(out, np.max([b[2 * R:2 * R + 2] for b in big], axis=0))

# gather, scatter
g = [np.zeros(SHAPE) for _ in range(N)] if R == 0 else None
dist.gather(data(R), g, dst=0)
if R == 0:
    close(np.stack(g), ALL)
s = np.zeros(SHAPE)
dist.scatter(s, [data(r) * 2 for r in range(N)] if R == 0 else None, src=0)
close(s, data(R) * 2)

# point to point, blocking and not: a ring
nxt, prv = (R + 1) % N, (R - 1) % N
buf = np.zeros(SHAPE)
if R % 2 == 0:
    dist.send(data(R), dst=nxt)
    src = dist.recv(buf, src=prv)
else:
    src = dist.recv(buf, src=prv)
    dist.send(data(R), dst=nxt)
assert src == prv
close(buf, data(prv))
buf = np.zeros(SHAPE)
works = [dist.isend(data(R), dst=nxt, tag=7), dist.irecv(buf, src=prv, tag=7)]
for w in works:
    w.wait()
close(buf, data(prv))

# a sub-group of the even ranks: its own ranks, sizes and reductions
evens = list(range(0, N, 2))
grp = dist.new_group(evens)
if R in evens:
    assert dist.get_world_size(grp) == len(evens) and dist.get_rank(grp) == evens.index(R)
    x = data(R)
    dist.all_reduce(x, group=grp)
    close(x, ALL[evens].sum(0))
    x = data(R)
    dist.broadcast(x, src=evens[-1], group=grp)
    close(x, data(evens[-1]))
else:
    assert grp is None
dist.barrier()

# differentiable collectives: grad on each rank equals the gradient of the sum of every rank's loss, computed in
# one process with NumPy reductions in place of the collectives
import funcgrad.numpy as fnp  # noqa: E402

W = np.stack([data(r, (4,)) for r in range(N)])
C = np.arange(1.0, N + 1)
local = {
    "all_reduce": lambda w, r: fnp.sum(C[r] * fnp.sin(F.all_reduce(w)) ** 2),
    "avg": lambda w, r: fnp.sum(C[r] * F.all_reduce(w, op="avg") ** 3),
    "max": lambda w, r: fnp.sum(C[r] * F.all_reduce(w, op="max")),
    "product": lambda w, r: fnp.sum(C[r] * F.all_reduce(w, op="product")),
    "all_gather": lambda w, r: fnp.sum(C[r] * fnp.cos(F.all_gather(w * (r + 1.0)))),
    "reduce_scatter": lambda w, r: fnp.sum(C[r] * fnp.tanh(F.reduce_scatter(fnp.concatenate([w] * N) ** 2))),
}
one = {  # the same global objective, sum over r of rank r's loss, on the stacked inputs
    "all_reduce": lambda Ws: sum(fnp.sum(C[r] * fnp.sin(fnp.sum(Ws, axis=0)) ** 2) for r in range(N)),
    "avg": lambda Ws: sum(fnp.sum(C[r] * fnp.mean(Ws, axis=0) ** 3) for r in range(N)),
    "max": lambda Ws: sum(fnp.sum(C[r] * fnp.max(Ws, axis=0)) for r in range(N)),
    "product": lambda Ws: sum(fnp.sum(C[r] * fnp.prod(Ws, axis=0)) for r in range(N)),
    "all_gather": lambda Ws: sum(fnp.sum(C[r] * fnp.cos(fnp.concatenate([Ws[s] * (s + 1.0) for s in range(N)])))
                                 for r in range(N)),
    "reduce_scatter": lambda Ws: sum(fnp.sum(C[r] * fnp.tanh(fnp.sum(fnp.stack([fnp.concatenate([Ws[s]] * N) ** 2
                                                                                 for s in range(N)]), axis=0)
                                                          [4 * r:4 * r + 4])) for r in range(N)),
}
for name in local:
    g = fg.grad(local[name])(W[R], R)
    close(g, fg.grad(one[name])(W)[R], rtol=1e-10, atol=1e-12, err_msg=name)
# a tie for the maximum between every rank splits the cotangent evenly, as fnp.max over an axis does
tied = np.array([1.0, float(R)])
close(fg.grad(lambda w: fnp.sum(F.all_reduce(w, op="max") * np.array([2.0, 3.0])))(tied),
      fg.grad(lambda Ws: fnp.sum(fnp.max(Ws, axis=0) * np.array([2.0, 3.0])) * N)(
          np.stack([[1.0, float(r)] for r in range(N)]))[R])
# forward mode: the tangent of a collective is the collective of the tangents
T = np.stack([data(r + 50, (4,)) for r in range(N)])
_, tan = fg.jvp(lambda w: F.all_gather(w), (W[R],), (T[R],))
close(tan, T.reshape(-1))
_, tan = fg.jvp(lambda w: F.all_reduce(w), (W[R],), (T[R],))
close(tan, T.sum(0))
# psum / pmean over pytrees, plain and under grad
tree = {"a": data(R, (2,)), "b": (np.int64(R), data(R, (3,)).astype(np.float32))}
m = dist.pmean({"a": tree["a"], "b": (None, tree["b"][1])})
close(m["a"], np.mean([data(r, (2,)) for r in range(N)], 0))
close(m["b"][1], np.mean([data(r, (3,)).astype(np.float32) for r in range(N)], 0), rtol=1e-6)
assert dist.psum(tree)["b"][0] == sum(range(N))
close(fg.grad(lambda w: fnp.sum(dist.psum({"w": w})["w"] ** 2))(W[R]), 2 * N * W.sum(0))
close(fg.vmap(lambda w: F.all_reduce(w))(W), W * 0 + np.sum([W for _ in range(N)], 0))

# errors: different shapes across ranks raise the same clear error everywhere (no hang, no garbage)
try:
    dist.all_reduce(np.zeros(3 + R))
except ValueError as e:
    assert "different sizes or dtypes" in str(e) and "rank 1: 4 elements" in str(e), e
else:
    raise AssertionError("mismatched shapes were not detected")
try:
    dist.broadcast(np.zeros(2, dtype=np.float32 if R == 0 else np.float64), src=0)
except ValueError as e:
    assert "different sizes or dtypes" in str(e) and "float32" in str(e) and "float64" in str(e), e
else:
    raise AssertionError("mismatched dtypes were not detected")
try:
    dist.all_gather([np.zeros(2)] * N, np.zeros(3))
except ValueError as e:
    assert "each output must match the input" in str(e), e
else:
    raise AssertionError
try:
    dist.all_reduce(np.zeros(2), op=dist.ReduceOp.AVG) if False else dist.all_reduce(np.zeros(2, int), op="avg")
except TypeError as e:
    assert "ReduceOp.AVG" in str(e)
else:
    raise AssertionError
dist.destroy_process_group()
sys.stdout.write(f"ok {R}\n")
sys.stdout.flush()
