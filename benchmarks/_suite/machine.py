"""What the benchmark ran on: CPU, memory, library versions, BLAS, environment."""

from __future__ import annotations

import importlib.metadata
import importlib.util
import os
import platform

from threadpoolctl import threadpool_info

#: Packages whose versions are reported (distribution names).
PACKAGES = (
    "logreg",
    "numpy",
    "scipy",
    "numba",
    "scikit-learn",
    "glum",
    "tabmat",
    "statsmodels",
    "threadpoolctl",
)
#: Environment variables that change BLAS/OpenMP behaviour.
ENV_VARS = (
    "OPENBLAS_CORETYPE",
    "OPENBLAS_L2_SIZE",
    "OPENBLAS_NUM_THREADS",
    "OMP_NUM_THREADS",
    "MKL_NUM_THREADS",
    "NUMBA_CPU_NAME",
)


def cpu_model() -> str:
    """The CPU's model name from ``/proc/cpuinfo`` (or ``platform``)."""
    try:
        with open("/proc/cpuinfo") as cpuinfo:
            for line in cpuinfo:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown"


def memory_gib() -> float:
    """Total physical memory in GiB."""
    return os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30


def usable_cores() -> int:
    """CPUs this process may run on."""
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not on Linux
        return os.cpu_count() or 1


def load_average() -> str:
    """The 1, 5 and 15 minute load averages: how busy the machine was."""
    return ", ".join(f"{load:.2f}" for load in os.getloadavg())


def package_version(name: str) -> str:
    """Installed version of a distribution, or ``"not installed"``."""
    try:
        return importlib.metadata.version(name)
    except importlib.metadata.PackageNotFoundError:
        return "not installed"


def blas_pools() -> list[dict]:
    """The thread pools threadpoolctl sees (BLAS and OpenMP), loaded libraries only."""
    keys = ("user_api", "internal_api", "version", "architecture", "num_threads")
    pools = []
    for pool in threadpool_info():
        entry = {key: pool.get(key) for key in keys}
        entry["library"] = os.path.basename(pool.get("filepath", ""))
        pools.append(entry)
    return pools


def machine_facts(preload: tuple[str, ...] = ("glum", "statsmodels.api")) -> dict:
    """Everything :func:`facts_markdown` prints, as plain data (for the JSON).

    Parameters
    ----------
    preload : tuple of str
        Modules imported first (where installed) so that the thread pools
        of the libraries they bundle are listed too.
    """
    for module in preload:
        if importlib.util.find_spec(module.split(".")[0]):
            importlib.import_module(module)
    return {
        "cpu": cpu_model(),
        "logical_cpus": os.cpu_count(),
        "usable_cpus": usable_cores(),
        "memory_gib": round(memory_gib(), 1),
        "python": platform.python_version(),
        "platform": platform.platform(),
        "versions": {name: package_version(name) for name in PACKAGES},
        "dask_ml": (
            "installed (not benchmarked)"
            if importlib.util.find_spec("dask_ml")
            else "not installed: skipped"
        ),
        "load_average": load_average(),
        "environment": {name: os.environ.get(name, "unset") for name in ENV_VARS},
        "thread_pools": blas_pools(),
    }


def facts_markdown(facts: dict) -> str:
    """The machine facts as a Markdown list and a thread-pool table."""
    versions = ", ".join(f"{k} {v}" for k, v in facts["versions"].items())
    environment = ", ".join(f"`{k}={v}`" for k, v in facts["environment"].items())
    lines = [
        f"- CPU: {facts['cpu']}, {facts['logical_cpus']} logical CPUs "
        f"({facts['usable_cpus']} usable), {facts['memory_gib']} GiB memory",
        f"- Python {facts['python']} on {facts['platform']}",
        f"- {versions}; dask-ml: {facts['dask_ml']}",
        f"- environment: {environment}",
        f"- load average (1, 5, 15 min) at start: {facts['load_average']}",
        "",
        "| thread pool | library | internal API | version | kernel | threads |",
        "| --- | --- | --- | --- | --- | ---: |",
    ]
    for pool in facts["thread_pools"]:
        lines.append(
            f"| {pool['user_api']} | {pool['library']} | {pool['internal_api']} "
            f"| {pool['version']} | {pool['architecture']} | {pool['num_threads']} |"
        )
    return "\n".join(lines)
