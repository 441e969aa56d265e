"""A stand-in for the few GitLab REST API calls the shipped .gitlab-ci.yml makes.

Merge-request notes (list, create, update) and issues (list by label, create, update), in
memory, served on a loopback port in a thread; every request is recorded. Anything else is a
404, so a template that starts calling something new fails its test until this fake learns it.
"""

from __future__ import annotations

import json
import re
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any
from urllib.parse import parse_qs, urlsplit

NOTES = re.compile(r"^/api/v4/projects/(\d+)/merge_requests/(\d+)/notes(?:/(\d+))?$")
ISSUES = re.compile(r"^/api/v4/projects/(\d+)/issues(?:/(\d+))?$")


@dataclass
class GitLab:
    url: str
    token: str
    notes: list[dict[str, Any]] = field(default_factory=list)
    issues: list[dict[str, Any]] = field(default_factory=list)
    calls: list[tuple[str, str]] = field(default_factory=list)

    def answer(self, method: str, target: str, body: dict[str, Any]) -> tuple[int, Any]:
        path, query = urlsplit(target).path, parse_qs(urlsplit(target).query)
        self.calls.append((method, path))
        if (match := NOTES.match(path)) is not None:
            return self._notes(method, int(match.group(2)), match.group(3), body)
        if (match := ISSUES.match(path)) is not None:
            return self._issues(method, match.group(2), query, body)
        return 404, {"message": "404 Not found"}

    def _notes(self, method: str, mr: int, note: str | None, body: dict[str, Any]) -> tuple[int, Any]:  # fmt: skip
        if method == "GET" and note is None:
            return 200, [n for n in self.notes if n["mr"] == mr]
        if method == "POST" and note is None:
            self.notes.append({"id": len(self.notes) + 1, "mr": mr, "body": body["body"], "edits": 0})  # fmt: skip
            return 201, self.notes[-1]
        found = next(n for n in self.notes if n["id"] == int(note or 0))
        found.update(body=body["body"], edits=found["edits"] + 1)
        return 200, found

    def _issues(self, method: str, iid: str | None, query: dict[str, list[str]], body: dict[str, Any]) -> tuple[int, Any]:  # fmt: skip
        if method == "GET":
            label = query.get("labels", [""])[0]
            return 200, [i for i in self.issues if label in i["labels"] and i["state"] == "opened"]
        if method == "POST":
            issue = {"iid": len(self.issues) + 1, "title": body["title"], "state": "opened",
                     "labels": body["labels"].split(","), "description": body["description"]}  # fmt: skip
            self.issues.append(issue)
            return 201, issue
        found = self.issues[int(iid or 0) - 1]
        found["description"] = body["description"]
        return 200, found


@contextmanager
def serve(token: str = "glpat-test") -> Iterator[GitLab]:
    gitlab = GitLab("", token)

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, method: str) -> None:
            if self.headers.get("PRIVATE-TOKEN") != token:
                status, answer = 401, {"message": "401 Unauthorized"}
            else:
                length = int(self.headers.get("Content-Length") or 0)
                body = json.loads(self.rfile.read(length) or b"{}")
                status, answer = gitlab.answer(method, self.path, body)
            data = json.dumps(answer).encode()
            self.send_response(status)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            self._reply("GET")

        def do_POST(self) -> None:
            self._reply("POST")

        def do_PUT(self) -> None:
            self._reply("PUT")

        def log_message(self, *args: Any) -> None:
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    gitlab.url = f"http://127.0.0.1:{server.server_address[1]}/api/v4"
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield gitlab
    finally:
        server.shutdown()
        server.server_close()
        thread.join(timeout=10)
