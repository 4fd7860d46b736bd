"""trainer_client: report a training script's metrics and checkpoints to trainer, and drive trainer from CI.

In a training script (standard library only, Python >= 3.8)::

    import trainer_client as tc

    start = load(tc.resume_from()) if tc.resume_from() else 0
    for epoch in range(start, epochs):
        ...
        tc.log({"loss": loss, "val_loss": val_loss}, epoch=epoch)
        tc.checkpoint(save(epoch), epoch=epoch, metrics={"val_loss": val_loss})
        if tc.stop_requested():
            break

Under the agent these print the lines the agent reads (one JSON object a line on stdout). Outside any
agent they do nothing, unless ``TRAINER_URL``, ``TRAINER_API_KEY`` and a tracking run (``TRAINER_RUN_ID``,
or one made with :func:`track`) are set: then metrics are posted to the API in batches from a background
thread, so the same script logs to trainer from a laptop or a notebook.

Only one process of a multi-process job reports: the one whose ``RANK`` and ``LOCAL_RANK`` are unset or
0 (``TRAINER_ALL_RANKS=1`` makes every process report).
"""

import json
import math
import os
import signal
import sys
import threading

from .client import Client, RunFailed, TrackingRun, TrainerError

__all__ = [
    "log",
    "checkpoint",
    "resume_from",
    "stop_requested",
    "run_id",
    "is_reporting_rank",
    "track",
    "flush",
    "Client",
    "TrackingRun",
    "TrainerError",
    "RunFailed",
]

_lock = threading.Lock()
_stop = threading.Event()
_stop_handler_installed = False
_tracking = None  # the TrackingRun log() posts to outside the agent


def run_id():
    """The id of the run this process belongs to, or None."""
    if _tracking is not None:
        return _tracking.id
    return os.environ.get("TRAINER_RUN_ID") or None


def resume_from():
    """The checkpoint a retried (or resumed) run should continue from, or None on a first attempt."""
    path = os.environ.get("TRAINER_RESUME_FROM")
    return path or None


def is_reporting_rank():
    """True in the process that reports: rank 0 of a multi-process job, or any process when TRAINER_ALL_RANKS=1."""
    if os.environ.get("TRAINER_ALL_RANKS") == "1":
        return True
    return all(os.environ.get(name, "0").strip() in ("", "0") for name in ("RANK", "LOCAL_RANK"))


def _supervised():
    return os.environ.get("TRAINER_SUPERVISED") == "1"


def _number(name, value):
    if isinstance(value, bool):
        return float(value)
    try:
        number = float(value)  # ints, floats, numpy and torch scalars
    except (TypeError, ValueError):
        raise TypeError("metric %r must be a number, got %r" % (name, value)) from None
    return int(value) if isinstance(value, int) else number


def _values(metrics):
    if not isinstance(metrics, dict) or not metrics:
        raise TypeError("metrics must be a non-empty dict of name -> number")
    return {str(name): _number(name, value) for name, value in metrics.items()}


def _count(name, value):
    if value is None:
        return None
    if isinstance(value, bool) or int(value) != value or value < 0:
        raise ValueError("%s must be a whole number >= 0, got %r" % (name, value))
    return int(value)


def _print_line(record):
    line = json.dumps(record, allow_nan=True, separators=(", ", ": "))
    with _lock:
        sys.stdout.write(line + "\n")
        sys.stdout.flush()


def log(metrics, step=None, epoch=None):
    """Record metric values (a dict of name -> number) at a step and/or epoch (whole numbers)."""
    values = _values(metrics)
    step, epoch = _count("step", step), _count("epoch", epoch)
    if not is_reporting_rank():
        return
    if _supervised():
        record = {}
        if epoch is not None:
            record["epoch"] = epoch
        if step is not None:
            record["step"] = step
        record.update(values)
        _print_line(record)
        return
    tracking = _tracking_run()
    if tracking is not None:
        tracking.log(values, step=step, epoch=epoch)


def checkpoint(path, epoch=None, metrics=None):
    """Register a checkpoint the script saved under its output directory (TRAINER_OUTPUT_DIR)."""
    epoch = _count("epoch", epoch)
    values = _values(metrics) if metrics else {}
    if not is_reporting_rank() or not _supervised():
        return
    output = os.environ.get("TRAINER_OUTPUT_DIR") or os.getcwd()
    absolute = os.path.abspath(os.path.join(output, os.fspath(path)))
    relative = os.path.relpath(absolute, os.path.abspath(output))
    if relative == os.curdir or relative.startswith(os.pardir + os.sep) or relative == os.pardir:
        raise ValueError("checkpoint %r is not inside the run's output directory %s" % (path, output))
    record = {"checkpoint": relative.replace(os.sep, "/")}
    if epoch is not None:
        record["epoch"] = epoch
    if values:
        record["metrics"] = values
    _print_line(record)


def _on_stop_signal(signum, frame):
    _stop.set()


def stop_requested():
    """True once the agent asked the run to stop: finish the step, save a checkpoint, and return.

    The first call makes the recipe's stop signal (TRAINER_STOP_SIGNAL, SIGTERM by default) set this flag
    instead of ending the process, so call it early (before the first step) in the main thread.
    """
    global _stop_handler_installed
    if not _stop_handler_installed:
        _stop_handler_installed = True
        name = os.environ.get("TRAINER_STOP_SIGNAL", "SIGTERM")
        signum = getattr(signal, name, signal.SIGTERM)
        try:
            signal.signal(signum, _on_stop_signal)
        except ValueError:
            pass  # not the main thread: the flag still works if the main thread installed it
    return _stop.is_set()


def _tracking_run():
    global _tracking
    if _tracking is None and os.environ.get("TRAINER_URL") and os.environ.get("TRAINER_API_KEY") and os.environ.get("TRAINER_RUN_ID"):
        _tracking = TrackingRun(Client(), os.environ["TRAINER_RUN_ID"])
    return _tracking


def track(name, recipe=None, params=None, total_epochs=None, client=None):
    """Outside the agent: make a tracking run (TRAINER_URL/TRAINER_API_KEY) that log() reports to from now on."""
    global _tracking
    _tracking = (client or Client()).track(name, recipe=recipe, params=params, total_epochs=total_epochs)
    return _tracking


def flush(timeout=None):
    """Outside the agent: wait until every metric logged so far has been posted."""
    if _tracking is not None:
        _tracking.flush(timeout)
