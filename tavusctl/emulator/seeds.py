"""Stock replicas and system personas, seeded from tavus-api.md §7 (IDs as the docs list them)."""

from __future__ import annotations

SEED_TIME = "2025-01-01T00:00:00.000Z"

STOCK_REPLICAS: dict[str, str] = {
    "r7bc3db0d581": "Sabrina",
    "rf25acd9e3f5": "Patrick",
    "re0eae1fbe11": "Lucy",
    "r1af76e94d00": "Rose",
    "r95fd27b5a37": "Helen",
    "r1a4e22fa0d9": "Benjamin",
    "r90105daccb4": "Isabella",
    "r6ae5b6efc9d": "Anna",
    "rb11617de314": "Sandra",
    "rb67667672ad": "Gloria",
    "r90bbd427f71": "Anna",
    "rc2146c13e81": "Stock replica",
    "ra54d1d861": "Stock replica",
    "rfb51183fe": "Stock replica",
    "ref226fe7e": "Stock replica",
    "r4317e64d25a": "Stock replica",
    "r9d30b0e55ac": "Stock replica",
    "rbb0f535dd": "Stock replica",
    "r4c41453d2": "Stock replica",
    "rf4703150052": "Stock replica",
    "r79e1c033f": "Stock replica",
    "r3fbe3834a3e": "Stock replica",
    "r783537ef5": "Stock replica",
    "rf4e9d9790f0": "Stock replica",
    "rfe12d8b9597": "Stock replica",
    "r4067604db72": "Stock face",  # the stock face of tavus-api-2026.md's examples
}

SYSTEM_PERSONAS: dict[str, str] = {
    "pdced222244b": "Sales Coach",
    "p7fb0be3": "Corporate Trainer",
    "pc55154f229a": "History Teacher",
    "p88964a7": "College Tutor",
    "pb8bb46b": "Sales Agent",
    "p5d11710002a": "Healthcare Intake",
    "pe13ed370726": "AI Interviewer",
    "pd43ffef": "Technical Co-Pilot",
    "p2fbd605": "Tavus' Personal AI",
    "p48fdf065d6b": "Tavus Researcher",
    "p9a95912": "Demo",
    "p3bb4745d4f9": "Santa",
    "pipecat-stream": "Pipecat stream",
    "pb87e71797da": "Stock PAL",  # the stock PAL of tavus-api-2026.md's examples
}


def replica(replica_id: str, name: str, replica_type: str) -> dict[str, object]:
    """A completed replica object as GET /v2/replicas/{id} returns it (§7)."""
    return {
        "replica_id": replica_id,
        "replica_name": name,
        "thumbnail_video_url": f"https://cdn.tavus.example/{replica_id}.mp4",
        "training_progress": "100/100",
        "status": "completed",
        "created_at": SEED_TIME,
        "updated_at": SEED_TIME,
        "error_message": None,
        "replica_type": replica_type,
        "model_name": "phoenix-3",
    }


def replicas(extra: tuple[str, ...]) -> dict[str, dict[str, object]]:
    """The stock replicas plus the user replicas named with ``--replica``."""
    found = {rid: replica(rid, name, "system") for rid, name in STOCK_REPLICAS.items()}
    for rid in extra:
        found.setdefault(rid, replica(rid, f"Replica {rid}", "user"))
    return found


def system_personas() -> dict[str, dict[str, object]]:
    """The stock personas, newest first as the list shows them (all share one seed time)."""
    stock = list(STOCK_REPLICAS)
    return {
        pid: {
            "persona_id": pid,
            "persona_name": name,
            "system_prompt": f"You are {name}, a stock Tavus persona.",
            "pipeline_mode": "full",
            "context": "",
            "default_replica_id": stock[i % len(stock)],
            "layers": {},
            "persona_type": "system",
            "created_at": SEED_TIME,
            "updated_at": SEED_TIME,
        }
        for i, (pid, name) in enumerate(SYSTEM_PERSONAS.items())
    }
