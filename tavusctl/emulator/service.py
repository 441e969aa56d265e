"""The emulator's state behind one app (config, store, trouble, request log, state file), and
how it answers one Tavus API request."""

from __future__ import annotations

from collections import deque

from tavusctl.emulator import routes
from tavusctl.emulator.config import EmulatorConfig
from tavusctl.emulator.http import HttpError, Request, Response
from tavusctl.emulator.state_file import StateFile
from tavusctl.emulator.store import Store
from tavusctl.emulator.trouble import Fault, Trouble
from tavusctl.emulator.views import logged

LOG_LIMIT = 100_000  # the request log keeps the newest entries only
WRITES = ("POST", "PATCH", "DELETE")


class Emulator:
    """The state behind one app: config, store, trouble, request log and state file."""

    def __init__(self, config: EmulatorConfig) -> None:
        self.initial = config
        self.config = config
        self.store = Store(config)
        self.trouble = Trouble(config)
        self.log: deque[dict[str, object]] = deque(maxlen=LOG_LIMIT)
        self.state = StateFile(config.state_file, self.store) if config.state_file else None
        if self.state is not None:
            self.state.load()

    def configure(self, changes: dict[str, object]) -> None:
        """Change switches at run time (ValueError on a bad name or value)."""
        self.config = self.config.changed(changes)
        self.trouble.reconfigure(self.config)

    def reset(self) -> None:
        """Back to the state at start: no accounts, no log, no injections, initial switches."""
        self.config = self.initial
        version = self.store.version
        self.store = Store(self.initial)
        self.store.version = version + 1
        self.trouble = Trouble(self.initial)
        self.log.clear()
        if self.state is not None:
            self.state.store = self.store
            self.state.notify()

    def saved(self) -> None:
        """Tell the state file that the store may have changed."""
        if self.state is not None:
            self.state.notify()

    async def tavus(self, req: Request) -> Response | None:
        """Answer a Tavus API request, with trouble; None means: drop the connection."""
        entry = {"method": req.method, "path": req.path, "query": req.query, "status": None,
                 "body": logged(req.logged_body()), "client": req.client}  # fmt: skip
        self.log.append(entry)
        response = await self._troubled(req)
        entry["status"] = response.status if response is not None else None
        return response

    async def _troubled(self, req: Request) -> Response | None:
        # Decide in arrival order, before the (jittered) sleep reorders concurrent requests.
        wait = self.trouble.retry_after()
        fault = self.trouble.draw(
            req.method, req.path, req.method in WRITES, limited=wait is not None
        )
        await self.trouble.delay()
        if wait is not None:
            return Response(429, {"error": "Too many requests"}, {"retry-after": str(wait)})
        if fault is not None and not fault.after_write:
            return fault_response(fault)
        response = self._answer(req)
        return fault_response(fault) if fault is not None else response

    def _answer(self, req: Request) -> Response:
        try:
            return self._dispatch(req)
        except HttpError as exc:
            return exc.response
        finally:
            self.saved()

    def _dispatch(self, req: Request) -> Response:
        found = routes.route(req.method, req.path)
        if found is None:
            return Response(404, {"error": "Not found"})
        key = req.headers.get("x-api-key", "")
        if not key or (self.config.api_keys and key not in self.config.api_keys):
            return Response(401, {"message": "Invalid access token"})
        handler, ident = found
        return handler(self.store, self.config, self.store.account(key), req, ident)


def fault_response(fault: Fault) -> Response | None:
    """The response a fault sends instead of the real one (None: drop the connection)."""
    if fault.status is None:
        return None
    return Response(fault.status, fault.body, dict(fault.headers))
