#!/usr/bin/env python3
"""The comparison table of `run.sh`: per eval and size, the median time of the primal and of
the derivative for each tool, and matcalc's ratio to each other tool.

Usage: table.py LOG_DIR EVAL...  (LOG_DIR/TOOL/EVAL.jsonl, as run.sh writes them)
"""

import json
import statistics
import sys
from pathlib import Path

# The primal and the derivative of each eval, by the names of its functions.
FUNCTIONS = {
    "hello": ("square", "double"),
    "gmm": ("objective", "jacobian"),
    "det": ("primal", "gradient"),
    "lse": ("primal", "gradient"),
    "llsq": ("primal", "gradient"),
    "lstm": ("objective", "jacobian"),
    "ba": ("objective", "jacobian"),
    "ode": ("primal", "gradient"),
    "kmeans": ("cost", "dir"),
    "ht": ("objective", "jacobian"),
}
# The nested evals have four derivatives and no primal: one row per mode.
MODES = ("rr", "ff", "fr", "rf")
TOOLS = ("matcalc", "manual", "jax")


def read_log(path):
    """{(size, function): (median ns, valid)} of one tool's log of one eval."""
    if not path.exists():
        return {}
    messages, responses, analyses = {}, {}, {}
    for line in path.read_text().splitlines():
        entry = json.loads(line)
        message, response = entry.get("message"), entry.get("response")
        if message is not None:
            messages[message["id"]] = message
            if message.get("kind") == "analysis":
                analyses[message["of"]] = message.get("valid", False)
        if response is not None:
            responses[response["id"]] = response
    times = {}
    for id, message in messages.items():
        response = responses.get(id)
        if message.get("kind") != "evaluate" or not response or not response.get("success"):
            continue
        runs = [t["nanoseconds"] for t in response.get("timings", []) if t["name"] == "evaluate"]
        if runs:
            key = (message.get("description", ""), message["function"])
            times[key] = (statistics.median(runs), analyses.get(id, False))
    return times


def duration(ns):
    if ns is None:
        return ""
    for unit, scale in (("s", 1e9), ("ms", 1e6), ("µs", 1e3)):
        if ns >= scale:
            return f"{ns / scale:.3g} {unit}"
    return f"{ns:.0f} ns"


def ratio(a, b):
    return "" if a is None or b is None or b == 0 else f"{a / b:.3g}"


def rows(log_dir, eval):
    logs = {tool: read_log(log_dir / tool / f"{eval}.jsonl") for tool in TOOLS}
    sizes = list(dict.fromkeys(size for size, _ in logs["matcalc"]))
    if eval in FUNCTIONS:
        lines = [(size, FUNCTIONS[eval]) for size in sizes]
    else:
        lines = [(f"{size} {mode}", (None, mode)) for size in sizes for mode in MODES]
    for label, (primal, derivative) in lines:
        size = label.rsplit(" ", 1)[0] if primal is None else label
        cells = {}
        for tool in TOOLS:
            for kind, function in (("p", primal), ("d", derivative)):
                entry = logs[tool].get((size, function)) if function else None
                cells[tool, kind] = entry[0] if entry else None
                if tool == "matcalc" and entry and not entry[1]:
                    cells["invalid"] = True
        yield eval, label, cells


def main():
    log_dir, evals = Path(sys.argv[1]), sys.argv[2:]
    header = [
        "eval", "size",
        "matcalc primal", "matcalc derivative",
        "manual primal", "manual derivative",
        "jax primal", "jax derivative",
        "derivative ÷ manual", "derivative ÷ jax",
    ]
    print("| " + " | ".join(header) + " |")
    print("|" + "|".join(["---", "---"] + ["---:"] * (len(header) - 2)) + "|")
    for eval in evals:
        for eval, size, c in rows(log_dir, eval):
            mark = " (invalid)" if c.get("invalid") else ""
            print("| " + " | ".join([
                eval, size + mark,
                duration(c["matcalc", "p"]), duration(c["matcalc", "d"]),
                duration(c["manual", "p"]), duration(c["manual", "d"]),
                duration(c["jax", "p"]), duration(c["jax", "d"]),
                ratio(c["matcalc", "d"], c["manual", "d"]),
                ratio(c["matcalc", "d"], c["jax", "d"]),
            ]) + " |")


if __name__ == "__main__":
    main()
