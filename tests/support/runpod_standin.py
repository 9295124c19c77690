"""A local stand-in for RunPod's GraphQL API: it keeps pods in memory and records every call.

The `runpod` SDK reaches it through RUNPOD_API_BASE_URL, so its own client code runs.
"""

from __future__ import annotations

import contextlib
import json
import re
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any


def _quoted(key: str, query: str) -> str:
    """The value of `key: "…"` in a GraphQL query (a ValueError answers as a GraphQL error)."""
    match = re.search(rf'{key}:\s*"([^"]*)"', query)
    if match is None:
        raise ValueError(f"no {key} in the query: {query[:200]}")
    return match[1]


class RunPodStandIn:
    """Pods by id, and the operations received, in order."""

    def __init__(self) -> None:
        self.pods: dict[str, dict[str, Any]] = {}
        self.calls: list[str] = []
        self._next = 0

    def add_pod(self, name: str, *, status: str = "RUNNING", cost: float = 3.0) -> str:
        self._next += 1
        pod_id = f"pod{self._next:04d}"
        self.pods[pod_id] = {
            "id": pod_id,
            "name": name,
            "desiredStatus": status,
            "costPerHr": cost,
            "uptimeSeconds": 60,
            "env": [],
        }
        return pod_id

    def answer(self, query: str) -> dict[str, Any]:
        if "podFindAndDeployOnDemand" in query:
            self.calls.append("create")
            name = _quoted("name", query)
            pod_id = self.add_pod(name)
            self.pods[pod_id]["env"] = re.findall(r'key:\s*"([^"]*)"', query)
            return {"podFindAndDeployOnDemand": {"id": pod_id, "desiredStatus": "RUNNING"}}
        if "podTerminate" in query:
            pod_id = _quoted("podId", query)
            self.calls.append(f"terminate {pod_id}")
            self.pods.pop(pod_id, None)
            return {"podTerminate": None}
        if "gpuTypes" in query:
            self.calls.append("gpu")
            gpu = _quoted("id", query)
            return {"gpuTypes": [{"id": gpu, "displayName": gpu, "memoryInGb": 80}]}
        if "myPods" in query:
            self.calls.append("list")
            return {"myself": {"pods": list(self.pods.values())}}
        raise ValueError(f"the stand-in does not know this query: {query[:200]}")


@contextlib.contextmanager
def runpod_standin() -> Iterator[tuple[RunPodStandIn, str]]:
    """Serve the stand-in on a free loopback port; yields it and its base URL."""
    api = RunPodStandIn()

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            if self.headers.get("Authorization") != "Bearer test-key":
                self.send_response(401)
                self.end_headers()
                return
            try:
                payload: dict[str, Any] = {"data": api.answer(body["query"])}
            except ValueError as exc:
                payload = {"errors": [{"message": str(exc)}]}
            data = json.dumps(payload).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def log_message(self, *_args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield api, f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()
