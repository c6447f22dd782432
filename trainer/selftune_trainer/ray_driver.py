"""The server's bridge to a Ray cluster: `ray-driver --address HOST:PORT`.

One long-lived process per server (Ray core has no REST API to submit work
through). JSON lines on stdin:
  {"op": "submit", "job_id", "runner_url", "token", "resources": {num_cpus, num_gpus, memory}, "env"}
  {"op": "cancel", "job_id"}
and JSON lines on stdout:
  {"event": "ready", "nodes": [{node_id, node_ip, resources}]}
  {"event": "placed", "job_id", "node_id", "node_ip"}
  {"event": "finished", "job_id", "ok", "error", "node_died", "out_of_memory"}
Each job is one Ray task (max_retries=0: the server decides about retries) that
runs `python -m selftune_trainer remote` on its node. Closing stdin (the server
is gone) ends the driver, and Ray then stops the tasks it owns.
"""
import json
import os
import subprocess
import sys
import threading

from . import protocol

RUNNER_TOKEN_ENV = "SELFTUNE_RUNNER_TOKEN"


def run_job(job_id, runner_url, token, env):
    """The Ray task: say where it landed, then run the remote runner until it exits."""
    import ray

    context = ray.get_runtime_context()
    yield {"node_id": context.get_node_id(), "node_ip": ray.util.get_node_ip_address()}
    child_env = {**os.environ, **env, RUNNER_TOKEN_ENV: token}
    child_env.pop("SELFTUNE_SERVER_PID", None)  # the server's pid means nothing on this node
    argv = [sys.executable, "-m", "selftune_trainer", "remote", "--runner-url", runner_url, "--job", job_id]
    code = subprocess.call(argv, env=child_env, stdin=subprocess.DEVNULL)
    yield {"exit_code": code}


def nodes():
    import ray

    return [
        {"node_id": n["NodeID"], "node_ip": n["NodeManagerAddress"], "resources": n.get("Resources", {})}
        for n in ray.nodes()
        if n.get("Alive")
    ]


class Driver:
    def __init__(self):
        import ray

        self.ray = ray
        self.remote_job = ray.remote(run_job)
        self.tasks = {}  # job id -> ObjectRefGenerator
        self.cancelled = set()
        self.lock = threading.Lock()

    def submit(self, message):
        job_id = message["job_id"]
        resources = message.get("resources") or {}
        options = {"num_cpus": resources.get("num_cpus", 1), "num_gpus": resources.get("num_gpus", 0), "max_retries": 0}
        if resources.get("memory"):
            options["memory"] = int(resources["memory"])
        generator = self.remote_job.options(**options).remote(job_id, message["runner_url"], message["token"], message.get("env") or {})
        with self.lock:
            self.tasks[job_id] = generator
            self.cancelled.discard(job_id)
        threading.Thread(target=self._follow, args=(job_id, generator), name=f"follow-{job_id}", daemon=True).start()

    def cancel(self, job_id):
        with self.lock:
            generator = self.tasks.get(job_id)
            self.cancelled.add(job_id)
        if generator is not None:
            try:
                self.ray.cancel(generator, force=True)
            except Exception as e:  # already finished, or its node is gone
                protocol.log("warn", f"cancelling the Ray task of job {job_id}: {e}")

    def _follow(self, job_id, generator):
        ray = self.ray
        outcome = {"ok": True, "error": None, "node_died": False, "out_of_memory": False}
        try:
            for ref in generator:
                item = ray.get(ref)
                if "node_id" in item:
                    protocol.emit("placed", job_id=job_id, node_id=item["node_id"], node_ip=item["node_ip"])
        except Exception as e:
            with self.lock:
                ours = job_id in self.cancelled
            # Anything but our own cancel means the task's worker or node went away under it.
            outcome = {
                "ok": False,
                "error": f"{type(e).__name__}: {str(e).splitlines()[0][:500] if str(e) else ''}",
                "node_died": not ours,
                # Ray's memory monitor killed the worker: the one loss that is about memory.
                "out_of_memory": isinstance(e, ray.exceptions.OutOfMemoryError),
            }
        with self.lock:
            if self.tasks.get(job_id) is generator:
                del self.tasks[job_id]
        protocol.emit("finished", job_id=job_id, **outcome)


def serve(address):
    import ray

    # The driver's own output would otherwise carry every worker's log lines.
    ray.init(address=address, log_to_driver=False, logging_level="WARNING", namespace="selftune")
    driver = Driver()
    protocol.emit("ready", nodes=nodes())
    for line in sys.stdin:
        line = line.strip()
        if not line:
            continue
        message = None
        try:
            message = json.loads(line)
            if message.get("op") == "submit":
                driver.submit(message)
            elif message.get("op") == "cancel":
                driver.cancel(message["job_id"])
            else:
                protocol.log("warn", f"ignoring unknown driver request: {line[:200]}")
        except Exception as e:  # one bad request must not take the other jobs down
            protocol.log("error", f"driver request failed ({type(e).__name__}: {e}): {line[:200]}")
            if isinstance(message, dict) and message.get("op") == "submit" and message.get("job_id"):
                protocol.emit("finished", job_id=message["job_id"], ok=False, error=f"not submitted: {e}", node_died=False, out_of_memory=False)
    ray.shutdown()
    return 0
