#!/usr/bin/env python3
"""JAX and PyTorch beside the bench table: times each exported problem's gradient by
`jax.jit(jax.value_and_grad(f))` and by PyTorch forward + backward, on the inputs the table
exported, checks both gradients against matcalc's, and prints one table with matcalc's figures.

Usage: compare.py EXPORT_DIR  (the folder `bench_table --export EXPORT_DIR` wrote; run through
`benches/frameworks.sh`, which makes the venv, runs the table and then this)

Both frameworks run single-threaded in float64: the thread settings are made here, before either
is imported, so that the figures compare with matcalc's one thread. The measurement follows the
table's: per problem, each method calibrated to batches of at least the table's batch time, then
interleaved rounds (each starting at another method), the median over the rounds of the time per
call, with the table's numbers of rounds and per-method budget (read from the export).
Exit status 1 if any gradient or value differs from matcalc's by more than TOLERANCE.
"""

import os

# One thread for XLA's CPU backend (Eigen and its intra-op pool) and for the BLAS, OpenMP and
# MKL pools PyTorch and NumPy may start: set before the frameworks read them at import.
THREADS = {
    "XLA_FLAGS": "--xla_cpu_multi_thread_eigen=false intra_op_parallelism_threads=1",
    "OMP_NUM_THREADS": "1",
    "MKL_NUM_THREADS": "1",
    "OPENBLAS_NUM_THREADS": "1",
}
os.environ.update(THREADS)

import functools  # noqa: E402
import json  # noqa: E402
import math  # noqa: E402
import platform  # noqa: E402
import re  # noqa: E402
import statistics  # noqa: E402
import sys  # noqa: E402
import time  # noqa: E402
from importlib.metadata import version  # noqa: E402
from pathlib import Path  # noqa: E402

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
import numpy as np  # noqa: E402
import torch  # noqa: E402

# no __pycache__ in the source tree
sys.dont_write_bytecode = True
from problems import PROBLEMS  # noqa: E402

jax.config.update("jax_enable_x64", True)
jax.config.update("jax_platforms", "cpu")
torch.set_num_threads(1)
torch.set_num_interop_threads(1)

# The largest relative error, ‖g − g_matcalc‖∞ / ‖g_matcalc‖∞, a gradient (and the value) may
# have: float64 evaluations of the same function in another order of operations agree to a few
# ulps times the condition of the problem, far below this.
TOLERANCE = 1e-10


# ============================================================================ measurement


def time_calls(run, batch):
    """The time per call of `batch` calls in a row."""
    start = time.perf_counter()
    for _ in range(batch):
        run()
    return (time.perf_counter() - start) / batch


def measure(methods, timing):
    """{name: median seconds per call} of the methods {name: run}, the table's way."""
    names = list(methods)
    plan = {}
    for name in names:
        per_call = max(time_calls(methods[name], 1), 1e-9)
        batch = max(1, math.ceil(timing["batch_seconds"] / per_call))
        rounds = int(timing["method_budget_seconds"] / (per_call * batch))
        plan[name] = (batch, min(max(rounds, 3), timing["rounds"]))
    samples = {name: [] for name in names}
    for round in range(max(rounds for _, rounds in plan.values())):
        for offset in range(len(names)):
            name = names[(round + offset) % len(names)]
            batch, rounds = plan[name]
            if round < rounds:
                samples[name].append(time_calls(methods[name], batch))
    return {name: statistics.median(samples[name]) for name in names}


# ============================================================================ the frameworks


def jax_methods(problem, arrays, static):
    """The primal and the gradient in JAX, compiled, each call waiting for its result; and the
    value and gradient they compute."""
    f = functools.partial(problem.jax, **static)
    wrt = tuple(range(len(problem.wrt)))
    primal = jax.jit(f)
    value_and_grad = jax.jit(jax.value_and_grad(f, argnums=wrt))
    args = [jax.device_put(a) for a in arrays]
    # the first calls compile; the timed ones reuse the compiled code
    value, gradient = jax.block_until_ready(value_and_grad(*args))
    jax.block_until_ready(primal(*args))
    runs = {
        "jax primal": lambda: jax.block_until_ready(primal(*args)),
        "jax gradient": lambda: jax.block_until_ready(value_and_grad(*args)),
    }
    return runs, float(value), [np.asarray(g) for g in gradient]


def torch_methods(problem, arrays, static):
    """The primal (without recording) and forward + backward in PyTorch; and the value and
    gradient they compute."""
    f = functools.partial(problem.torch, **static)
    count = len(problem.wrt)
    leaves = [torch.tensor(a, requires_grad=True) for a in arrays[:count]]
    data = [torch.tensor(a) for a in arrays[count:]]

    def gradient():
        for leaf in leaves:
            leaf.grad = None
        value = f(*leaves, *data)
        value.backward()
        return value

    def primal():
        with torch.no_grad():
            return f(*leaves, *data)

    value = gradient()
    runs = {"torch primal": primal, "torch gradient": gradient}
    return runs, value.item(), [leaf.grad.numpy() for leaf in leaves]


# ============================================================================ one problem


def relative_error(got, want):
    """‖got − want‖∞ / ‖want‖∞ over all the arrays."""
    got = np.concatenate([np.ravel(g) for g in got])
    want = np.concatenate([np.ravel(w) for w in want])
    if got.shape != want.shape:
        return math.inf
    scale = np.max(np.abs(want))
    return float(np.max(np.abs(got - want)) / (scale if scale > 0 else 1.0))


def run(path):
    """The row of one exported problem."""
    export = json.loads(path.read_text())
    problem = PROBLEMS[export["problem"]]
    inputs = export["inputs"]
    arrays = [np.asarray(inputs[name], dtype=np.float64) for name in problem.wrt + problem.data]
    static = {name: inputs[name] for name in problem.static}
    want = [np.asarray(export["gradient"][name], dtype=np.float64) for name in problem.wrt]
    row = {"problem": problem.title, "size": export["size"], "errors": {}}
    methods = {}
    for framework, build in (("jax", jax_methods), ("torch", torch_methods)):
        runs, value, gradient = build(problem, arrays, static)
        methods.update(runs)
        row["errors"][framework] = max(
            relative_error(gradient, want), relative_error([value], [export["value"]])
        )
    row.update(measure(methods, export["timing"]))
    row["matcalc primal"] = export["primal"]["seconds"]
    row["matcalc gradient"] = export["gradient_time"]["seconds"]
    return row


# ============================================================================ output


def duration(s):
    if s < 1e-6:
        return f"{s * 1e9:.1f} ns"
    if s < 1e-3:
        return f"{s * 1e6:.2f} µs"
    if s < 1:
        return f"{s * 1e3:.2f} ms"
    return f"{s:.2f} s"


def load_average():
    return " ".join(Path("/proc/loadavg").read_text().split()[:3])


def machine():
    cpuinfo = Path("/proc/cpuinfo").read_text().splitlines()
    model = next((l.split(":", 1)[1].strip() for l in cpuinfo if l.startswith("model name")), "?")
    return f"{model}, {os.cpu_count()} logical CPUs"


def print_header(export_dir, missing):
    print("# matcalc, JAX and PyTorch: gradient timings\n")
    print(f"- command: `{' '.join(sys.argv)}` on the export in {export_dir}")
    print(f"- machine: {machine()}")
    print(
        f"- python {platform.python_version()}, jax {jax.__version__}, "
        f"jaxlib {version('jaxlib')}, torch {torch.__version__}, numpy {np.__version__}"
    )
    print(
        f"- single-threaded: {', '.join(f'{k}={v}' for k, v in THREADS.items())}; "
        f"torch threads {torch.get_num_threads()} (inter-op {torch.get_num_interop_threads()}); "
        f"float64 (JAX's default float: {jnp.asarray(1.0).dtype})"
    )
    print(
        "- JAX: `jax.jit(jax.value_and_grad(f))` after compilation, each call "
        "`block_until_ready`; PyTorch: eager forward + `backward()` (the primal under "
        "`torch.no_grad()`)"
    )
    print(f"- load average at start: {load_average()}")
    if missing:
        print(f"- not in the export (not run by the table): {', '.join(missing)}")
    print(
        "- columns: `÷ primal` = t(gradient)/t(primal) in each framework; `matcalc ÷ X` = "
        "t(matcalc gradient)/t(X gradient), below 1 when matcalc is faster; `error` = "
        "‖g − g_matcalc‖∞/‖g_matcalc‖∞ (and the value's), at most "
        f"{TOLERANCE:g}\n"
    )


def print_table(rows):
    print(
        "| problem | size | matcalc primal | matcalc gradient | JAX gradient | PyTorch gradient "
        "| ÷ primal: matcalc | JAX | PyTorch | matcalc ÷ JAX | matcalc ÷ PyTorch "
        "| error: JAX | PyTorch |"
    )
    print("|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|---:|")
    for r in rows:
        mg = r["matcalc gradient"]
        cells = [
            r["problem"],
            r["size"],
            duration(r["matcalc primal"]),
            duration(mg),
            duration(r["jax gradient"]),
            duration(r["torch gradient"]),
            f"{mg / r['matcalc primal']:.2f}",
            f"{r['jax gradient'] / r['jax primal']:.2f}",
            f"{r['torch gradient'] / r['torch primal']:.2f}",
            f"{mg / r['jax gradient']:.3g}",
            f"{mg / r['torch gradient']:.3g}",
        ] + [
            f"{e:.1e}" + ("" if e <= TOLERANCE else " **FAIL**")
            for e in (r["errors"]["jax"], r["errors"]["torch"])
        ]
        print("| " + " | ".join(cells) + " |")
    print()


def table_order(path):
    """The table's order of the files `{problem}-{instance}.json`: its cases, then the sizes in
    increasing order (the numbers in the instance compared as numbers)."""
    problem, instance = path.stem.split("-", 1)
    parts = re.split(r"(\d+)", instance)
    return list(PROBLEMS).index(problem), [int(p) if p.isdigit() else p for p in parts]


def main():
    if len(sys.argv) != 2:
        sys.exit(__doc__)
    export_dir = Path(sys.argv[1])
    exports = sorted(export_dir.glob("*.json"), key=table_order)
    if not exports:
        sys.exit(f"compare.py: no export in {export_dir} (run bench_table --export {export_dir})")
    exported = {path.stem.split("-", 1)[0] for path in exports}
    print_header(export_dir, [key for key in PROBLEMS if key not in exported])
    rows = []
    for path in exports:
        print(f"[compare.py] {path.name}", file=sys.stderr, flush=True)
        rows.append(run(path))
    print_table(rows)
    print(f"- load average at end: {load_average()}")
    failed = [
        f"{r['problem']} {r['size']} ({framework}: {e:.1e})"
        for r in rows
        for framework, e in r["errors"].items()
        if not e <= TOLERANCE
    ]
    if failed:
        print(f"[compare.py] FAILED: gradients differ from matcalc's: {'; '.join(failed)}",
              file=sys.stderr)
        sys.exit(1)


if __name__ == "__main__":
    main()
