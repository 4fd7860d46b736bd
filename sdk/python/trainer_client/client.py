"""A client of trainer's REST API for CI scripts and tracking runs (standard library only)."""

import atexit
import json
import math
import os
import queue
import threading
import time
import urllib.error
import urllib.parse
import urllib.request

FINAL_STATES = ("completed", "failed", "stopped", "cancelled")
BATCH_SIZE = 1000  # the most points the API takes in one request
QUEUE_SIZE = 50000


class TrainerError(Exception):
    """The API refused a request: `status` is the HTTP status, `detail` the API's own message."""

    def __init__(self, status, detail):
        super().__init__("HTTP %s: %s" % (status, detail))
        self.status = status
        self.detail = detail


class RunFailed(Exception):
    """A waited-for run ended other than completed; `status` is its final status."""

    def __init__(self, status):
        reason = status.get("error_message") or status.get("end_reason") or status.get("state")
        super().__init__("run %s ended %s: %s" % (status.get("session_id"), status.get("state"), reason))
        self.status = status


def _wire_value(value):
    if isinstance(value, float) and not math.isfinite(value):
        return "NaN" if math.isnan(value) else ("Infinity" if value > 0 else "-Infinity")
    return value


class Client:
    """`Client(url, api_key)`; both default to TRAINER_URL and TRAINER_API_KEY."""

    def __init__(self, url=None, api_key=None, timeout=30.0):
        self.url = (url or os.environ.get("TRAINER_URL") or "http://127.0.0.1:8000").rstrip("/")
        self.api_key = api_key if api_key is not None else os.environ.get("TRAINER_API_KEY")
        self.timeout = timeout

    def request(self, method, path, body=None):
        data = None if body is None else json.dumps(body).encode("utf-8")
        headers = {"Accept": "application/json"}
        if data is not None:
            headers["Content-Type"] = "application/json"
        if self.api_key:
            headers["X-API-Key"] = self.api_key
        request = urllib.request.Request(self.url + path, data=data, method=method, headers=headers)
        try:
            with urllib.request.urlopen(request, timeout=self.timeout) as response:
                text = response.read().decode("utf-8")
        except urllib.error.HTTPError as error:
            text = error.read().decode("utf-8", "replace")
            try:
                detail = json.loads(text).get("detail", text)
            except (ValueError, AttributeError):
                detail = text
            raise TrainerError(error.code, detail) from None
        return json.loads(text) if text else None

    def start(self, recipe, params=None, gpus=None, name=None, tags=None, priority=None):
        """Submit a run of a recipe; returns its id."""
        body = {"recipe": recipe, "params": params or {}, "start": True}
        for key, value in (("gpus", gpus), ("session_name", name), ("tags", tags), ("priority", priority)):
            if value is not None:
                body[key] = value
        return self.request("POST", "/api/v1/training/sessions", body)["session_id"]

    def status(self, run_id):
        return self.request("GET", "/api/v1/training/%s/status" % _segment(run_id))

    def metrics(self, run_id, metric_name=None):
        """Every metric point of a run, oldest first (of one metric when named)."""
        query = "" if metric_name is None else "?metric_name=" + urllib.parse.quote(metric_name, safe="")
        return self.request("GET", "/api/v1/training/%s/history%s" % (_segment(run_id), query))

    def stop(self, run_id):
        return self.request("POST", "/api/v1/training/%s/stop" % _segment(run_id))

    def wait(self, run_id, on_metrics=None, poll_s=1.0, timeout_s=None):
        """Waits for a run to end; calls on_metrics(record) for each new metric record. Raises RunFailed unless it completed."""
        deadline = None if timeout_s is None else time.monotonic() + timeout_s
        seen = 0
        while True:
            status = self.status(run_id)
            if on_metrics is not None:
                records = self.metrics(run_id)
                for record in records[seen:]:
                    on_metrics(record)
                seen = max(seen, len(records))
            if status["state"] in FINAL_STATES:
                if status["state"] != "completed":
                    raise RunFailed(status)
                return status
            if deadline is not None and time.monotonic() > deadline:
                raise TimeoutError("run %s still %s after %s s" % (run_id, status["state"], timeout_s))
            time.sleep(poll_s)

    def track(self, name, recipe=None, params=None, total_epochs=None):
        """A tracking-only run: no process, metrics come from `.log()`; end it with `.complete()`."""
        body = {"tracking_only": True, "session_name": name, "params": params or {}}
        if recipe is not None:
            body["recipe"] = recipe
        if total_epochs is not None:
            body["total_epochs"] = total_epochs
        return TrackingRun(self, self.request("POST", "/api/v1/training/sessions", body)["session_id"])


def _segment(run_id):
    return urllib.parse.quote(str(run_id), safe="")


class TrackingRun:
    """Posts logged points in batches from a background thread (bounded queue, flushed at exit)."""

    def __init__(self, client, run_id):
        self.client = client
        self.id = run_id
        self.dropped = 0
        self.batches_sent = 0
        self.error = None
        self._queue = queue.Queue(maxsize=QUEUE_SIZE)
        self._sender = threading.Thread(target=self._send_forever, name="trainer-client-sender", daemon=True)
        self._sender.start()
        atexit.register(self.flush, 30.0)

    def log(self, metrics, step=None, epoch=None):
        point = {"metrics": {name: _wire_value(value) for name, value in metrics.items()}}
        if step is not None:
            point["step"] = step
        if epoch is not None:
            point["epoch"] = epoch
        try:
            # a full queue (the API is slower than the script) makes the script wait, up to a point
            self._queue.put(point, timeout=10.0)
        except queue.Full:
            self.dropped += 1

    def flush(self, timeout=None):
        """Blocks until every point logged so far was sent (or timeout seconds passed)."""
        done = threading.Event()
        self._queue.put(done)
        done.wait(timeout)

    def complete(self, failed=False, error_message=None):
        self.flush(60.0)
        body = {"failed": bool(failed)}
        if error_message is not None:
            body["error_message"] = str(error_message)[:4096]
        return self.client.request("POST", "/api/v1/training/%s/complete" % _segment(self.id), body)

    def _send_forever(self):
        while True:
            batch, markers = [], []
            item = self._queue.get()
            while True:
                if isinstance(item, threading.Event):
                    markers.append(item)
                    break
                batch.append(item)
                if len(batch) >= BATCH_SIZE:
                    break
                try:
                    item = self._queue.get_nowait()
                except queue.Empty:
                    break
            if batch:
                self._post(batch)
            for marker in markers:
                marker.set()

    def _post(self, batch):
        for attempt in range(5):
            try:
                self.client.request("POST", "/api/v1/training/%s/metrics" % _segment(self.id), {"points": batch})
                self.batches_sent += 1
                return
            except TrainerError as error:
                if error.status != 429 and error.status < 500:
                    self.error = error
                    self.dropped += len(batch)
                    return
            except OSError as error:
                self.error = error
            time.sleep(min(5.0, 0.2 * 2**attempt))
        self.dropped += len(batch)
