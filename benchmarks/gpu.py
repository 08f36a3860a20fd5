"""logreg on a GPU: PyTorch and CuPy inputs against the CPU fit and scikit-learn.

Run on a machine with CUDA (PyTorch built with CUDA; CuPy optional)::

    PYTHONPATH=src python benchmarks/gpu.py

It makes 10M x 100 float32 rows on the GPU (binary labels drawn from a
logistic model, ``C=1``), copies them to the host once, and in one process:

* fits logreg on the CPU (NumPy), the reference;
* fits logreg on the PyTorch CUDA tensors and on CuPy views of the same memory
  (after a warm-up fit on a slice: CUDA context, cuBLAS handles), and checks
  each against the CPU fit: coefficients to 1e-3 relative, objective to 1e-6,
  probabilities of the first rows to 1e-5 (exit status 1 if any fails);
* fits scikit-learn on the CPU (``lbfgs`` and ``newton-cholesky``);
* prints time to optimum for every fit, each with its objective gap
  ``(f - f*) / |f*|`` (``f*`` the lowest of all, every ``f`` evaluated in
  float64 on the GPU), and per pass over the GPU data: seconds of a
  value-and-gradient and of a value pass, ``bytes(X) / seconds`` and that as a
  share of the card's peak memory bandwidth, next to a bare ``X @ w`` (one
  read of ``X``, the floor of a pass).

Smoke test without a GPU: ``python benchmarks/gpu.py --device cpu --rows 200000``
(PyTorch CPU tensors; CuPy is skipped). ``--json PATH`` writes the results.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
import warnings
from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from typing import Any

import numpy as np

import logreg
from logreg._namespace import to_numpy
from logreg.data.sources import ArrayApiSource
from logreg.objective import LogisticObjective

#: Checks of a GPU fit against the CPU fit (float32 data, tol=1e-4 fits).
COEF_RTOL, OBJECTIVE_RTOL, PROBA_ATOL = 1e-3, 1e-6, 1e-5
#: Rows of the warm-up fit and of the probability check.
WARMUP_ROWS, CHECK_ROWS = 100_000, 100_000
#: Rows per chunk when evaluating the objective in float64.
CHUNK_ROWS = 1 << 20


@dataclass
class Fit:
    """One timed fit."""

    name: str
    seconds: float
    n_iter: int
    objective: float = np.nan
    gap: float = np.nan
    coef_error: float = np.nan
    note: str = ""


@dataclass
class Results:
    """Everything the run measured, for the table and the JSON."""

    machine: dict[str, Any]
    shape: str
    fits: list[Fit] = field(default_factory=list)
    passes: list[dict[str, Any]] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)


def parse_args() -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--rows", type=int, default=10_000_000)
    parser.add_argument("--features", type=int, default=100)
    parser.add_argument("--classes", type=int, default=2)
    parser.add_argument("--C", type=float, default=1.0)
    parser.add_argument("--device", default="cuda", help="cuda (default) or cpu")
    parser.add_argument("--passes", type=int, default=10, help="timed passes")
    parser.add_argument(
        "--sklearn-solvers",
        default="lbfgs,newton-cholesky",
        help="comma-separated scikit-learn solvers ('' for none)",
    )
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--json", help="write the results here")
    return parser.parse_args()


# ------------------------------------------------------------------ data
def make_data(torch: Any, args: argparse.Namespace, device: Any) -> tuple[Any, Any]:
    """Gaussian float32 features and labels from a logistic model, on ``device``."""
    generator = torch.Generator(device=device).manual_seed(args.seed)
    n, d, k = args.rows, args.features, args.classes
    X = torch.randn(n, d, generator=generator, device=device, dtype=torch.float32)
    n_rows = 1 if k == 2 else k
    beta = torch.randn(d, n_rows, generator=generator, device=device) / d**0.5
    z = X @ beta + 0.25
    u = torch.rand(n, n_rows, generator=generator, device=device)
    if k == 2:
        y = (u[:, 0] < torch.sigmoid(z[:, 0])).to(torch.int64)
    else:  # Gumbel-max: a draw from softmax(z)
        y = torch.argmax(z - torch.log(-torch.log(u)), dim=1)
    return X, y


def objective_value(torch: Any, X: Any, y: Any, model: Any, C: float) -> float:
    """scikit-learn's ``C * sum loss_i + ||W||^2 / 2`` in float64, chunk by chunk."""
    coef = torch.asarray(model.coef_, device=X.device, dtype=torch.float64)
    intercept = torch.asarray(model.intercept_, device=X.device, dtype=torch.float64)
    total = 0.0
    for start in range(0, X.shape[0], CHUNK_ROWS):
        z = X[start : start + CHUNK_ROWS].double() @ coef.T + intercept
        labels = y[start : start + CHUNK_ROWS]
        if z.shape[1] == 1:
            loss = (
                torch.logaddexp(torch.zeros_like(z[:, 0]), z[:, 0]) - labels * z[:, 0]
            )
        else:
            loss = torch.logsumexp(z, dim=1) - z.gather(1, labels[:, None])[:, 0]
        total += float(loss.sum())
    return C * total + 0.5 * float((coef**2).sum())


# --------------------------------------------------------------- timing
def synchronizer(torch: Any, device: Any) -> Callable[[], None]:
    """Wait for the device's queued work (a no-op on the CPU)."""
    if device.type == "cuda":
        return lambda: torch.cuda.synchronize(device)
    return lambda: None


def timed(function: Callable[[], Any], sync: Callable[[], None]) -> tuple[Any, float]:
    sync()
    start = time.perf_counter()
    result = function()
    sync()
    return result, time.perf_counter() - start


def fit_logreg(X: Any, y: Any, C: float, sync: Callable[[], None]) -> tuple[Any, float]:
    model = logreg.LogisticRegression(C=C)
    return timed(lambda: model.fit(X, y), sync)


def fit_sklearn(X: np.ndarray, y: np.ndarray, C: float, solver: str) -> tuple[Fit, Any]:
    from sklearn.linear_model import LogisticRegression

    model = LogisticRegression(C=C, solver=solver, max_iter=1000)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        _, seconds = timed(lambda: model.fit(X, y), lambda: None)
    note = "; ".join(sorted({type(w.message).__name__ for w in caught}))
    fit = Fit(f"scikit-learn {solver} (CPU)", seconds, int(np.max(model.n_iter_)))
    fit.note = note
    return fit, model


def pass_timings(
    torch: Any, X: Any, y: Any, args: argparse.Namespace, sync: Callable[[], None]
) -> list[dict[str, Any]]:
    """Seconds per pass over ``X`` on its device, and the bandwidth they imply."""
    source = ArrayApiSource(
        X, y, torch.ones(X.shape[0], dtype=torch.float64, device=X.device)
    )
    objective = LogisticObjective(source, args.classes, args.C)
    w = np.random.default_rng(1).normal(size=objective.n_params) * 0.1
    w_device = torch.asarray(w[: X.shape[1]], dtype=X.dtype, device=X.device)
    calls = {
        "X @ w (one read of X)": lambda: X @ w_device,
        "value_and_grad pass": lambda: objective.value_and_grad(w),
        "value pass": lambda: objective.value(w),
    }
    rows = []
    for name, call in calls.items():
        timed(call, sync)  # warm-up
        seconds = float(np.median([timed(call, sync)[1] for _ in range(args.passes)]))
        rows.append({"pass": name, "seconds": seconds})
    return rows


def peak_bandwidth(torch: Any, device: Any) -> float | None:
    """The card's peak memory bandwidth in bytes/s (DDR: two transfers a clock)."""
    if device.type != "cuda":
        return None
    props = torch.cuda.get_device_properties(device)
    clock_khz = getattr(props, "memory_clock_rate", None)
    bus_bits = getattr(props, "memory_bus_width", None)
    if not (clock_khz and bus_bits):
        try:
            import cupy

            attributes = cupy.cuda.runtime.getDeviceProperties(device.index or 0)
            clock_khz = attributes["memoryClockRate"]
            bus_bits = attributes["memoryBusWidth"]
        except Exception:  # no CuPy, no peak: the report goes without it
            return None
    return 2.0 * clock_khz * 1e3 * bus_bits / 8


# ----------------------------------------------------------------- main
def machine(torch: Any, device: Any) -> dict[str, Any]:
    facts = {
        "python": platform.python_version(),
        "cpus": os.cpu_count(),
        "numpy": np.__version__,
        "torch": torch.__version__,
        "device": str(device),
    }
    if device.type == "cuda":
        facts["gpu"] = torch.cuda.get_device_name(device)
    for name in ("cupy", "sklearn", "array_api_compat"):
        try:
            facts[name] = __import__(name).__version__
        except ImportError:
            facts[name] = "not installed"
    return facts


def check(results: Results, fit: Fit, cpu: Fit, model: Any, reference: Any) -> None:
    """Compare a device fit with the CPU fit; record failures."""
    scale = np.max(np.abs(reference.coef_))
    fit.coef_error = float(np.max(np.abs(model.coef_ - reference.coef_)) / scale)
    objective_error = abs(fit.objective - cpu.objective) / abs(cpu.objective)
    if fit.coef_error > COEF_RTOL:
        results.failures.append(f"{fit.name}: coefficients {fit.coef_error:.1e} off")
    if objective_error > OBJECTIVE_RTOL:
        results.failures.append(f"{fit.name}: objective {objective_error:.1e} off")


def check_probabilities(results, name, model, X_check, expected) -> None:
    got = to_numpy(model.predict_proba(X_check))
    error = float(np.max(np.abs(got - expected)))
    if error > PROBA_ATOL:
        results.failures.append(f"{name}: probabilities {error:.1e} off")


def run(args: argparse.Namespace) -> Results:
    import torch

    device = torch.device(args.device)
    sync = synchronizer(torch, device)
    results = Results(
        machine(torch, device),
        f"{args.rows:,} x {args.features} float32, {args.classes} classes, C={args.C}",
    )
    print(f"# logreg on {results.machine.get('gpu', args.device)}: {results.shape}")
    (X, y), seconds = timed(lambda: make_data(torch, args, device), sync)
    print(f"data made on {device} in {seconds:.1f} s", flush=True)
    X_host, y_host = X.cpu().numpy(), y.cpu().numpy()

    model_cpu, seconds = fit_logreg(X_host, y_host, args.C, lambda: None)
    cpu = Fit("logreg (CPU, NumPy)", seconds, int(np.max(model_cpu.n_iter_)))
    results.fits.append(cpu)
    models = {cpu.name: model_cpu}
    print(f"{cpu.name}: {seconds:.2f} s", flush=True)
    expected_proba = model_cpu.predict_proba(X_host[:CHECK_ROWS])

    inputs = {f"logreg (PyTorch, {device})": (X, y)}
    if device.type == "cuda":
        try:
            import cupy

            inputs["logreg (CuPy, cuda)"] = (cupy.from_dlpack(X), cupy.from_dlpack(y))
        except ImportError:
            print("CuPy is not installed: skipped")
    for name, (X_in, y_in) in inputs.items():
        fit_logreg(X_in[:WARMUP_ROWS], y_in[:WARMUP_ROWS], args.C, sync)
        model, seconds = fit_logreg(X_in, y_in, args.C, sync)
        fit = Fit(name, seconds, int(np.max(model.n_iter_)))
        results.fits.append(fit)
        models[name] = model
        check_probabilities(results, name, model, X_in[:CHECK_ROWS], expected_proba)
        print(f"{name}: {seconds:.2f} s", flush=True)

    for solver in filter(None, args.sklearn_solvers.split(",")):
        fit, model = fit_sklearn(X_host, y_host, args.C, solver)
        results.fits.append(fit)
        models[fit.name] = model
        print(f"{fit.name}: {fit.seconds:.2f} s {fit.note}", flush=True)

    for fit in results.fits:
        fit.objective = objective_value(torch, X, y, models[fit.name], args.C)
    best = min(fit.objective for fit in results.fits)
    for fit in results.fits:
        fit.gap = (fit.objective - best) / abs(best)
    for fit in results.fits:
        if fit.name.startswith("logreg (") and fit is not cpu:
            check(results, fit, cpu, models[fit.name], model_cpu)

    peak = peak_bandwidth(torch, device)
    for row in pass_timings(torch, X, y, args, sync):
        row["GB/s"] = X.element_size() * X.numel() / row["seconds"] / 1e9
        row["share of peak"] = row["GB/s"] * 1e9 / peak if peak else None
        results.passes.append(row)
    results.machine["peak GB/s"] = peak / 1e9 if peak else None
    return results


def report(results: Results) -> None:
    print()
    print("| fit | seconds | iterations | objective gap | coef vs CPU | note |")
    print("|---|---:|---:|---:|---:|---|")
    cpu_seconds = {
        fit.name: fit.seconds for fit in results.fits if "scikit" in fit.name
    }
    for fit in results.fits:
        error = "" if np.isnan(fit.coef_error) else f"{fit.coef_error:.1e}"
        print(
            f"| {fit.name} | {fit.seconds:.2f} | {fit.n_iter} | {fit.gap:.1e} "
            f"| {error} | {fit.note} |"
        )
    for fit in results.fits:
        if fit.name.startswith("logreg (") and "CPU" not in fit.name:
            ratios = ", ".join(
                f"{seconds / fit.seconds:.1f}x over {name}"
                for name, seconds in cpu_seconds.items()
            )
            print(f"\n{fit.name}, speed-up: {ratios or 'no scikit-learn fit'}")
    peak = results.machine.get("peak GB/s")
    peak = "unknown" if peak is None else f"{peak:.0f}"
    print(f"\nPer pass over X on the device (peak {peak} GB/s):\n")
    print("| pass | ms | GB/s of X | share of peak |")
    print("|---|---:|---:|---:|")
    for row in results.passes:
        share = "" if row["share of peak"] is None else f"{row['share of peak']:.0%}"
        print(
            f"| {row['pass']} | {row['seconds'] * 1e3:.2f} | {row['GB/s']:.0f} "
            f"| {share} |"
        )
    print(f"\nMachine: {json.dumps(results.machine)}")
    if results.failures:
        print("\nFAILED: " + "; ".join(results.failures))
    else:
        print("\nAll device fits agree with the CPU fit.")


def main() -> None:
    args = parse_args()
    results = run(args)
    report(results)
    if args.json:
        with open(args.json, "w") as out:
            json.dump(asdict(results), out, indent=2, default=str)
    sys.exit(1 if results.failures else 0)


if __name__ == "__main__":
    main()
