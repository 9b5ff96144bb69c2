"""submitit's half of `executor.py`: runs as the cluster's user, times each request it is sent.

Standard library and submitit only: it runs under the Python the jobs run (the system's, with a
copy of submitit, cloudpickle and typing_extensions on PYTHONPATH), so that submitit's jobs use
the same interpreter as hpc.executor's (submitit starts its jobs with `sys.executable`; sbatch
passes PYTHONPATH on). One JSON request per line on stdin, one JSON answer per line on stdout:

    {"op": "one", "x": 7}   ->  {"seconds": ..., "submit_seconds": ..., "jobs": ["123"], ...}
    {"op": "map", "n": 20}  ->  {"seconds": ..., "submit_seconds": ..., "jobs": ["124_0", ...]}

    env PYTHONPATH=LIB python3 submitit_driver.py FOLDER [TIMEOUT_MIN]
"""

from __future__ import annotations

import json
import sys
import time
from typing import Any

import submitit


def square(x: int) -> int:
    """The function both executors run: trivial, so the times are the machinery's."""
    return x * x


def answer(executor: Any, request: dict[str, Any]) -> dict[str, Any]:
    """Run one request, timed from the call to the last result."""
    started = time.perf_counter()
    if request["op"] == "one":
        job = executor.submit(square, request["x"])
        submitted = time.perf_counter()
        results = [job.result()]
        jobs = [job]
    else:
        jobs = executor.map_array(square, range(request["n"]))
        submitted = time.perf_counter()
        results = [job.result() for job in jobs]
    done = time.perf_counter()
    return {
        "seconds": done - started,
        "submit_seconds": submitted - started,
        "results": results,
        "jobs": [str(job.job_id) for job in jobs],
    }


def main() -> int:
    folder = sys.argv[1]
    timeout_min = int(sys.argv[2]) if len(sys.argv) > 2 else 5
    executor = submitit.AutoExecutor(folder=folder, cluster="slurm")
    executor.update_parameters(timeout_min=timeout_min)
    print(json.dumps({"ready": submitit.__version__}), flush=True)
    for line in sys.stdin:
        print(json.dumps(answer(executor, json.loads(line))), flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
