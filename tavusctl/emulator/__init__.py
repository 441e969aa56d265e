"""The Tavus emulator: a local, faithful Tavus API for tests, the demo, benchmarks and CI.

``app.create_app(EmulatorConfig())`` is the ASGI app; ``server.serve`` runs it with uvicorn.
"""
