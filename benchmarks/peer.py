"""Harness side of the peer protocol: run ``peer_worker.py`` in another interpreter.

The peer library (metric-learn) cannot share mlearn's interpreter, so each peer fit is one
subprocess. The data and fold indices are sent as an ``.npz`` file and the request as JSON; see
``peer_worker.py`` for the worker side.
"""

import json
import subprocess
import tempfile
from pathlib import Path
from typing import NamedTuple

import numpy as np

WORKER = Path(__file__).with_name("peer_worker.py")


class PeerResult(NamedTuple):
    """What the peer reported; ``error`` is set, and the numbers None, when it failed."""

    fit_time_s: float | None
    fit_times_s: list
    accuracy: float | None
    accuracy_std: float | None
    warnings: list
    versions: dict
    error: str | None


def _call_worker(python, args, timeout):
    """Run the worker with ``args`` and return its JSON answer, or ``{"error": ...}``."""
    try:
        completed = subprocess.run(
            [str(python), str(WORKER), *args], capture_output=True, text=True, timeout=timeout
        )
    except subprocess.TimeoutExpired:
        return {"error": f"peer timed out after {timeout:g} s"}
    except OSError as error:
        return {"error": f"cannot start peer {python}: {error}"}
    lines = completed.stdout.strip().splitlines()
    try:
        return json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        stderr = completed.stderr.strip().splitlines()
        reason = stderr[-1] if stderr else "no output"
        return {"error": f"peer exited with status {completed.returncode}: {reason}"}


def peer_versions(python, timeout=60):
    """Return the peer interpreter's versions, or ``{"error": ...}`` when it cannot run."""
    answer = _call_worker(python, ["--versions"], timeout)
    return answer.get("versions", answer)


def run_peer(python, counterpart, data, *, supervised, threads, repeats, n_neighbors, timeout):
    """Fit and score the peer counterpart on exactly the folds the harness used.

    Parameters
    ----------
    python : str or path
        The peer interpreter.
    counterpart : registry.PeerCounterpart
    data : dict
        ``X``, ``y``, ``test_fold`` (fold index per sample) and ``scale``, sent as is; the
        worker scales each fold with ``measure.scaled_folds`` as the harness does.
    supervised : bool
    threads : int or None
        BLAS threads to pin in the peer, None for its default.
    repeats : int
    n_neighbors : int
    timeout : float
        Seconds before the peer is killed.

    Returns
    -------
    PeerResult
    """
    with tempfile.TemporaryDirectory(prefix="mlearn-bench-") as tmp:
        data_path, request_path = Path(tmp, "data.npz"), Path(tmp, "request.json")
        np.savez(data_path, X=data["X"], y=data["y"], test_fold=data["test_fold"])
        request = {
            "data": str(data_path),
            **counterpart._asdict(),
            "scale": data["scale"],
            "supervised": supervised,
            "threads": threads,
            "repeats": repeats,
            "n_neighbors": n_neighbors,
        }
        request_path.write_text(json.dumps(request))
        answer = _call_worker(python, [str(request_path)], timeout)
    return PeerResult(
        answer.get("fit_time_s"),
        answer.get("fit_times_s", []),
        answer.get("accuracy"),
        answer.get("accuracy_std"),
        answer.get("warnings", []),
        answer.get("versions", {}),
        answer.get("error"),
    )
