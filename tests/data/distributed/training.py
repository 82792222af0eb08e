"""Run under mpiexec by tests/test_distributed.py: K steps of data-parallel training, each rank on its shard of
every batch (DistributedSampler + DataLoader), give the parameters of single-process training on the whole batches
(computed on every rank too), for both faces: DistributedDataParallel with an optimizer, and value_and_grad with
pmean. After every step every rank holds the same parameters (their hashes are all-gathered). Then no_sync's
gradient accumulation and find_unused_parameters. Prints "ok <rank>"."""
import hashlib
import sys

import numpy as np

import funcgrad as fg
import funcgrad.distributed as dist
import funcgrad.numpy as fnp
from funcgrad import nn
from funcgrad.utils.data import DataLoader, DistributedSampler, TensorDataset

fg.set_default_dtype(fg.float64)
dist.init_process_group("mpi")
R, N = dist.get_rank(), dist.get_world_size()
B, K, D = 8, 4, 3  # global batch, steps, features
rng = np.random.RandomState(0)
X, Y = rng.randn(B * K, D), rng.randn(B * K, 1)
close = np.testing.assert_allclose


def same_everywhere(arrays):
    """Every rank holds bitwise the same arrays: their digests, all-gathered, agree."""
    h = hashlib.sha256(b"".join(np.ascontiguousarray(a).tobytes() for a in arrays)).digest()
    mine = np.frombuffer(h, dtype=np.uint8).copy()
    every = [np.zeros_like(mine) for _ in range(N)]
    dist.all_gather(every, mine)
    assert all((e == mine).all() for e in every), f"rank {R}: parameters differ between ranks"


def model(seed):
    fg.manual_seed(seed)
    return nn.Sequential(nn.Linear(D, 5), nn.Tanh(), nn.Linear(5, 1))


sampler = DistributedSampler(TensorDataset(X, Y), shuffle=True, seed=3)
sampler.set_epoch(1)
order = list(sampler)
every_order = [np.zeros(len(order), dtype=np.int64) for _ in range(N)]
dist.all_gather(every_order, np.array(order, dtype=np.int64))
perm = np.stack(every_order, axis=1).reshape(-1)  # rank r holds perm[r::N]
assert sorted(perm) == list(range(B * K)), "the shards do not cover the dataset once"
loader = DataLoader(TensorDataset(X, Y), batch_size=B // N, sampler=sampler)

# --- the PyTorch face: DistributedDataParallel + SGD with momentum --------------------------------------------
ref = model(0)
ref_opt = fg.optim.SGD(ref.parameters(), lr=0.1, momentum=0.9)
ddp = nn.parallel.DistributedDataParallel(model(R), bucket_cap_mb=0.00005)  # several buckets; rank 0's init wins
assert len(ddp._buckets) > 1 and list(ddp.state_dict())[0] == "module.0.weight"
opt = fg.optim.SGD(ddp.parameters(), lr=0.1, momentum=0.9)
for step, (xb, yb) in enumerate(loader):
    opt.zero_grad()
    ((ddp(xb) - yb) ** 2).mean().backward()
    opt.step()
    idx = perm[step * B:(step + 1) * B]
    ref_opt.zero_grad()
    ((ref(fg.tensor(X[idx])) - fg.tensor(Y[idx])) ** 2).mean().backward()
    ref_opt.step()
    mine = [p.detach().numpy() for p in ddp.module.parameters()]
    same_everywhere(mine)
    for a, b in zip(mine, ref.parameters()):
        close(a, b.detach().numpy(), rtol=1e-6, atol=1e-12)
assert step == K - 1

# --- the functional face: value_and_grad on the shard, pmean of the gradients -------------------------------------
def loss(params, x, y):
    h = fnp.tanh(x @ params["w1"] + params["b1"])
    return fnp.mean((h @ params["w2"] + params["b2"] - y) ** 2)


init = np.random.RandomState(5)
params = {"w1": init.randn(D, 4), "b1": np.zeros(4), "w2": init.randn(4, 1), "b2": np.zeros(1)}
single = dict(params)
vg = fg.value_and_grad(loss)
for step in range(K):
    rows = perm[step * B:(step + 1) * B]
    _, g = vg(params, X[rows[R::N]], Y[rows[R::N]])
    g = dist.pmean(g)
    params = {k: params[k] - 0.2 * g[k] for k in params}
    _, g1 = vg(single, X[rows], Y[rows])
    single = {k: single[k] - 0.2 * g1[k] for k in single}
    same_everywhere([params[k] for k in sorted(params)])
    for k in params:
        close(params[k], single[k], rtol=1e-6, atol=1e-12)

# --- no_sync: two local micro-batches, then a synchronized one: the average of the accumulated sums ---------------
acc = nn.parallel.DistributedDataParallel(model(1))
ref = model(1)
micro = [perm[i * B:(i + 1) * B] for i in range(3)]
for i, rows in enumerate(micro):
    mine = rows[R * (B // N):(R + 1) * (B // N)]
    if i < 2:
        with acc.no_sync():
            ((acc(fg.tensor(X[mine])) - fg.tensor(Y[mine])) ** 2).mean().backward()
        local = acc.module[0].weight.grad.numpy().copy()
        every = [np.zeros_like(local) for _ in range(N)]
        dist.all_gather(every, local)
        if N > 1:
            assert not all(np.allclose(every[0], e) for e in every[1:]), "no_sync communicated"
    else:
        ((acc(fg.tensor(X[mine])) - fg.tensor(Y[mine])) ** 2).mean().backward()
    ((ref(fg.tensor(X[rows])) - fg.tensor(Y[rows])) ** 2).mean().backward()
for a, b in zip(acc.module.parameters(), ref.parameters()):
    close(a.grad.numpy(), b.grad.numpy(), rtol=1e-6, atol=1e-12)
same_everywhere([p.grad.numpy() for p in acc.module.parameters()])


# --- a bucket's all-reduce starts inside backward as soon as its gradients are complete, before the next bucket's:
# the first layer's weight is alone in the last bucket; a hook on it registered before DDP's runs before DDP sees it
launched = []
real_all_reduce = dist.all_reduce


def spy(tensor, *args, **kwargs):
    launched.append(tensor.size)
    return real_all_reduce(tensor, *args, **kwargs)


plain = model(0)
started_before_first_layer = []
plain[0].weight.register_hook(lambda g: started_before_first_layer.append(len(launched)))
net = nn.parallel.DistributedDataParallel(plain, bucket_cap_mb=0.00005)
dist.all_reduce = spy
try:
    net(fg.tensor(X[:4])).sum().backward()
finally:
    dist.all_reduce = real_all_reduce
assert started_before_first_layer == [1] and len(launched) == len(net._buckets) == 2, (started_before_first_layer,
                                                                                       launched)

# --- buffers: rank 0's reach every rank at construction and before each forward --------------------------------
bn = nn.Sequential(nn.Linear(D, 2), nn.BatchNorm1d(2))
bn[1].running_mean.data = fg.full((2,), float(R))
wrapped = nn.parallel.DistributedDataParallel(bn)
same_everywhere([b.numpy() for b in bn.buffers()] + [p.detach().numpy() for p in bn.parameters()])
assert (bn[1].running_mean.numpy() == 0).all()
wrapped(fg.tensor(X[R * 4:(R + 1) * 4])).sum().backward()  # each rank's statistics move with its own shard
wrapped(fg.tensor(X[:4]))
rm = [np.zeros(2) for _ in range(N)]
dist.all_gather(rm, bn[1].running_mean.numpy())
close(rm[-1], rm[0])  # the second forward started from rank 0's statistics and saw the same batch everywhere

# --- a parameter the output does not use ---------------------------------------------------------------------------
class Branchy(nn.Module):
    def __init__(self):
        super().__init__()
        self.used, self.unused = nn.Linear(D, 1), nn.Linear(D, 1)

    def forward(self, x):
        return self.used(x)


fg.manual_seed(2)
net = nn.parallel.DistributedDataParallel(Branchy(), find_unused_parameters=True)
net(fg.tensor(X[:4])).sum().backward()
assert net.module.unused.weight.grad is None and net.module.used.weight.grad is not None
strict = nn.parallel.DistributedDataParallel(Branchy())
try:
    strict(fg.tensor(X[:4])).sum().backward()
except RuntimeError as e:
    assert "find_unused_parameters=True" in str(e) and "unused.weight" in str(e), e
else:
    raise AssertionError("an unused parameter went unnoticed")
dist.destroy_process_group()
sys.stdout.write(f"ok {R}\n")
sys.stdout.flush()
