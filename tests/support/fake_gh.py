#!/usr/bin/env python3
"""A stand-in for GitHub's ``gh`` CLI that records what it would post.

Only the calls the shipped workflows make are understood; anything else fails loudly, so a
workflow that starts calling something new fails its test until this fake learns it. State
(comments, issues, labels, every call) lives in the JSON file named by ``FAKE_GH_STATE``.
"""

from __future__ import annotations

import json
import os
import re
import sys
from pathlib import Path
from typing import Any

COMMENTS = re.compile(r"^repos/[^/]+/[^/]+/issues/(\d+)/comments$")
COMMENT = re.compile(r"^repos/[^/]+/[^/]+/issues/comments/(\d+)$")
SELECT_BODY = re.compile(r'^\.\[\] \| select\(\.body \| contains\("(.*)"\)\) \| \.id$')


def main(argv: list[str]) -> int:
    path = Path(os.environ["FAKE_GH_STATE"])
    state = json.loads(path.read_text()) if path.exists() else {}
    for key in ("calls", "comments", "issues", "labels"):
        state.setdefault(key, [])
    state["calls"].append(argv)
    try:
        code = dispatch(state, argv)
    finally:
        path.write_text(json.dumps(state, indent=2))
    return code


def dispatch(state: dict[str, Any], argv: list[str]) -> int:
    if argv[:1] == ["api"]:
        return api(state, argv[1:])
    if argv[:2] == ["label", "create"]:
        if argv[2] not in state["labels"]:
            state["labels"].append(argv[2])
        return 0
    if argv[:2] == ["issue", "list"]:
        return issue_list(state, options(argv[2:]))
    if argv[:2] == ["issue", "create"]:
        opts = options(argv[2:])
        number = len(state["issues"]) + 1
        body = Path(opts["--body-file"]).read_text()
        issue = {"number": number, "title": opts["--title"], "labels": [opts["--label"]],
                 "body": body, "state": "open"}  # fmt: skip
        state["issues"].append(issue)
        print(f"https://github.com/o/r/issues/{number}")
        return 0
    if argv[:2] == ["issue", "edit"]:
        opts = options(argv[3:])
        issue = state["issues"][int(argv[2]) - 1]
        issue["body"] = Path(opts["--body-file"]).read_text()
        return 0
    print(f"fake gh: unsupported call: {argv}", file=sys.stderr)
    return 1


def options(args: list[str]) -> dict[str, str]:
    out: dict[str, str] = {}
    i = 0
    while i < len(args):
        if args[i] in ("--paginate", "--force"):
            out[args[i]] = ""
            i += 1
        else:
            out[args[i]] = args[i + 1]
            i += 2
    return out


def api(state: dict[str, Any], args: list[str]) -> int:
    method = "GET"
    fields: dict[str, str] = {}
    positional: list[str] = []
    i = 0
    jq: str | None = None
    while i < len(args):
        arg = args[i]
        if arg in ("--method", "-X"):
            method, i = args[i + 1], i + 2
        elif arg in ("-F", "-f", "--field", "--raw-field"):
            key, _, value = args[i + 1].partition("=")
            if arg in ("-F", "--field") and value.startswith("@"):
                value = Path(value[1:]).read_text()
            fields[key], i = value, i + 2
        elif arg == "--jq":
            jq, i = args[i + 1], i + 2
        elif arg == "--paginate":
            i += 1
        else:
            positional.append(arg)
            i += 1
    target = positional[0]
    if (match := COMMENTS.match(target)) and method == "GET":
        found = [c for c in state["comments"] if c["issue"] == int(match.group(1))]
        return output(found, jq)
    if (match := COMMENTS.match(target)) and method == "POST":
        new = {"id": 1000 + len(state["comments"]), "issue": int(match.group(1)),
               "body": fields["body"], "edits": 0}  # fmt: skip
        state["comments"].append(new)
        return output(new, None)
    if (match := COMMENT.match(target)) and method == "PATCH":
        comment: dict[str, Any] = next(
            c for c in state["comments"] if c["id"] == int(match.group(1))
        )
        comment["body"] = fields["body"]
        comment["edits"] += 1
        return output(comment, None)
    print(f"fake gh: unsupported api call: {method} {target}", file=sys.stderr)
    return 1


def issue_list(state: dict[str, Any], opts: dict[str, str]) -> int:
    found = [
        i for i in state["issues"]
        if opts["--label"] in i["labels"] and i["state"] == opts.get("--state", "open")
    ]  # fmt: skip
    if opts.get("--jq") != ".[0].number // empty":
        print(f"fake gh: unsupported --jq {opts.get('--jq')!r}", file=sys.stderr)
        return 1
    if found:
        print(found[0]["number"])
    return 0


def output(value: Any, jq: str | None) -> int:
    if jq is None:
        print(json.dumps(value))
        return 0
    match = SELECT_BODY.match(jq)
    if match is None:
        print(f"fake gh: unsupported --jq {jq!r}", file=sys.stderr)
        return 1
    marker = match.group(1).replace('\\"', '"')
    for item in value:
        if marker in item["body"]:
            print(item["id"])
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
