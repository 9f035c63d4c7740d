"""The end-to-end benchmark's markdown table, from the client's tab-separated lines.

    python bench/e2e/table.py results/results.tsv [--uptime-before ...] [--elapsed S] ...

Lines: ``SERVER COLUMN msgs/s p50_us p99_us server_cpu_us client_cpu_us`` (per message),
``SERVER idle CONNS bytes_per_conn seconds_to_open`` or ``SERVER COLUMN ERROR message``. Of
several rounds, each cell keeps the highest rate (with that round's latency and client CPU)
and, separately, the least server CPU per message: each figure is its best round, for every
server alike (a round that the machine slowed shows in neither). With 3 rounds or more, the
ratios are also given as the median over the rounds of each round's ratio (the two servers
measured seconds apart), which a single lucky round does not move.
"""

from __future__ import annotations

import argparse
import datetime
import platform
import statistics
from typing import Dict, List, Optional, Tuple

COLUMNS = [
    ("rr256", "rr 256 B"),
    ("rr16k", "rr 16 KiB"),
    ("rr256t", "rr 256 B text"),
    ("pipe1k", "pipelined 1 KiB"),
    ("pipe64k", "pipelined 64 KiB"),
    ("conn100", "100 connections"),
]
#: (sansocket server, peer): the ratios the benchmark exists for.
RATIOS = [
    ("sansocket-asyncio", "picows"),
    ("uvicorn-sansocket", "uvicorn-websockets-sansio"),
    ("node-sansocket", "node-ws"),
]
#: (sansocket server, the floor of its host): how close it comes to no WebSocket work at all.
FLOORS = [
    ("sansocket-asyncio", "floor-python"),
    ("uvicorn-sansocket", "floor-uvicorn"),
    ("uvicorn-sansocket", "floor-uvicorn-frames"),
    ("node-sansocket", "floor-node"),
]
NAMES = {
    "sansocket-asyncio": "`python -m sansocket.examples.echo_server`",
    "picows": "picows (core API)",
    "picows-websockets": "picows (`picows.websockets`)",
    "websockets": "websockets (asyncio)",
    "aiohttp": "aiohttp",
    "uvicorn-sansocket": "uvicorn + `sansocket.uvicorn`",
    "uvicorn-websockets-sansio": "uvicorn + websockets-sansio",
    "uvicorn-websockets": "uvicorn + websockets",
    "uvicorn-wsproto": "uvicorn + wsproto",
    "node-sansocket": "Node: `examples/echo_server.mjs`",
    "node-ws": "Node: ws + bufferutil",
    "floor-python": "floor: Python bytes echo, no WebSocket",
    "floor-uvicorn": "floor: uvicorn's ASGI dance, no WebSocket",
    "floor-uvicorn-frames": "floor: uvicorn's ASGI dance per frame, no WebSocket",
    "floor-node": "floor: Node bytes echo, no WebSocket",
}

Cell = Tuple[float, ...]  # msgs/s, p50 µs, p99 µs, server and client CPU µs per message


def cpu_model() -> str:
    try:
        with open("/proc/cpuinfo") as f:
            for line in f:
                if line.startswith("model name"):
                    return line.split(":", 1)[1].strip()
    except OSError:
        pass
    return platform.processor() or "unknown CPU"


#: Each (server, column)'s server CPU µs per message, round by round.
Rounds = Dict[Tuple[str, str], List[float]]


def read(path: str) -> Tuple[List[str], Dict[Tuple[str, str], object], Rounds]:
    servers: List[str] = []
    cells: Dict[Tuple[str, str], object] = {}
    rounds: Rounds = {}
    with open(path) as f:
        for line in f:
            parts = line.rstrip("\n").split("\t")
            if len(parts) < 3:
                continue
            server, column = parts[0], parts[1]
            if server not in servers:
                servers.append(server)
            old = cells.get((server, column))
            if isinstance(old, str):
                continue  # an error in any round stays
            if parts[2] == "ERROR":
                cells[server, column] = "error: " + "\t".join(parts[3:])
            elif column == "idle":
                cells[server, column] = (int(parts[2]), float(parts[3]), float(parts[4]))
            else:
                cell = tuple(float(p) for p in parts[2:7])
                rounds.setdefault((server, column), []).append(cell[3])
                if isinstance(old, tuple):
                    # The highest rate (with its round's latency and client CPU), and the
                    # least server CPU per message, each the best of the rounds.
                    best = cell if cell[0] > old[0] else old
                    cpu = min(cell[3], old[3])
                    cell = best[:3] + (cpu,) + best[4:]
                cells[server, column] = cell
    return servers, cells, rounds


def median_ratio(rounds: Rounds, ours: str, peer: str, column: str) -> Optional[float]:
    """The median over the rounds of peer ÷ ours CPU per message within each round (the
    client's lines come in round order; round 1's priming runs are not printed)."""
    a, b = rounds.get((ours, column), []), rounds.get((peer, column), [])
    each = [y / x for x, y in zip(a, b) if x > 0]
    return statistics.median(each) if len(each) >= 3 else None


def num(x: float) -> str:
    return f"{x:,.0f}" if x >= 100 else f"{x:.3g}"


def rate_cell(cell: object) -> str:
    if isinstance(cell, tuple):
        rate, cpu = cell[0], cell[3]
        return f"{num(rate)} ({cpu:.1f} µs)"
    return "–" if cell is None else "**" + str(cell)[:60].replace("|", "/") + "**"


def latency_cell(cell: object) -> str:
    if isinstance(cell, tuple):
        return f"{num(cell[1])} / {num(cell[2])}"
    return "–"


def idle_cell(cell: object) -> str:
    if isinstance(cell, tuple):
        return f"{cell[1] / 1024:.1f}"
    return "–" if cell is None else "**" + str(cell)[:60].replace("|", "/") + "**"


def ratio(ours: object, peer: object, index: int, inverse: bool = False) -> Optional[float]:
    if not isinstance(ours, tuple) or not isinstance(peer, tuple):
        return None
    a, b = ours[index], peer[index]
    if inverse:
        a, b = b, a
    return a / b if b else None


def table_head(first, *extra):
    """A markdown table's heading and rule: `first`, the columns' titles, then `extra`."""
    titles = [first] + [title for _, title in COLUMNS] + list(extra)
    return ["| " + " | ".join(titles) + " |", "|---" * len(titles) + "|"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("tsv")
    parser.add_argument("--uptime-before", default="")
    parser.add_argument("--uptime-after", default="")
    parser.add_argument("--seconds", default="?")
    parser.add_argument("--rounds", default="1")
    parser.add_argument("--loop", default="uvloop")
    parser.add_argument("--elapsed", default="")
    args = parser.parse_args()
    servers, cells, rounds = read(args.tsv)
    now = datetime.datetime.now(datetime.timezone.utc).strftime("%Y-%m-%d %H:%M UTC")
    out = [
        f"End to end, {now}, {cpu_model()}: servers pinned to core 0, the load client to core 1; "
        f"Python servers on {args.loop}; {args.seconds} s per column, best of {args.rounds} "
        "interleaved rounds.",
        "",
        f"Load: before `{args.uptime_before.strip()}`, after `{args.uptime_after.strip()}`.",
        "",
        "Messages per second, the best round (server CPU per message, the least of the rounds: "
        "the run time of the server process tree's threads over the measured time); memory: "
        "server RSS per idle connection.",
        "",
        *table_head("server", "KiB per idle connection"),
    ]
    for s in servers:
        row = [rate_cell(cells.get((s, c))) for c, _ in COLUMNS] + [idle_cell(cells.get((s, "idle")))]
        out.append(f"| {NAMES.get(s, s)} | " + " | ".join(row) + " |")
    out += [
        "",
        "Latency p50 / p99, µs (pipelined: from queueing a message in the window to its echo).",
        "",
        *table_head("server"),
    ]
    for s in servers:
        out.append(f"| {NAMES.get(s, s)} | " + " | ".join(latency_cell(cells.get((s, c))) for c, _ in COLUMNS) + " |")
    pairs = [(a, b) for a, b in RATIOS if a in servers and b in servers]
    if pairs:
        out += [
            "",
            "Ratios: messages per second, sansocket ÷ peer (CPU per message, peer ÷ sansocket: "
            "above 1 is sansocket ahead on both); memory per idle connection, sansocket ÷ peer "
            "(below 1 is sansocket ahead).",
            "",
            *table_head("same run", "idle memory"),
        ]
        for a, b in pairs:
            row = []
            for c, _ in COLUMNS:
                r = ratio(cells.get((a, c)), cells.get((b, c)), 0)
                q = ratio(cells.get((a, c)), cells.get((b, c)), 3, inverse=True)
                row.append("–" if r is None else f"{r:.2f}× ({q:.2f}×)" if q else f"{r:.2f}×")
            ia, ib = cells.get((a, "idle")), cells.get((b, "idle"))
            mem = "–"
            if isinstance(ia, tuple) and isinstance(ib, tuple) and ib[1] > 0:
                mem = f"{ia[1] / ib[1]:.2f}×"
            out.append(f"| {NAMES.get(a, a)} ÷ {NAMES.get(b, b)} | " + " | ".join(row) + f" | {mem} |")
        floors = [(a, b) for a, b in FLOORS if a in servers and b in servers]
        medians = [
            (a, b, [median_ratio(rounds, a, b, c) for c, _ in COLUMNS]) for a, b in pairs + floors
        ]
        medians = [(a, b, row) for a, b, row in medians if any(q is not None for q in row)]
        if medians:
            out += [
                "",
                "CPU per message, peer ÷ sansocket, the median over the rounds of each round's "
                "ratio (the two measured seconds apart; the table above takes each server's "
                "least round, which one lucky round decides); against a floor, 1.00× is the "
                "host's own cost.",
                "",
                *table_head("median of rounds"),
            ]
            for a, b, row in medians:
                cells_text = ["–" if q is None else f"{q:.2f}×" for q in row]
                out.append(f"| {NAMES.get(b, b)} ÷ {NAMES.get(a, a)} | " + " | ".join(cells_text) + " |")
    busy = [
        (cell[4] * cell[0] / 1e6, s, c)
        for (s, c), cell in cells.items()
        if isinstance(cell, tuple) and len(cell) > 4
    ]
    if busy:
        share, s, c = max(busy)
        # Above about 90 % the client may be what limits that column's rate.
        saturated = sorted(
            f"{NAMES.get(s2, s2)}, {dict(COLUMNS)[c2]}" for sh, s2, c2 in busy if sh >= 0.9
        )
        verdict = (
            "the client is not what limits the rates."
            if not saturated
            else "the client may limit the rate where it was busy 90 % or more: "
            + "; ".join(saturated)
            + "."
        )
        out += [
            "",
            f"The load client's core was busy {share:.0%} of the time at most ({NAMES.get(s, s)}, "
            f"{dict(COLUMNS)[c]}): {verdict}",
        ]
    if args.elapsed:
        out += ["", f"Run time: {args.elapsed} s."]
    print("\n".join(out))


if __name__ == "__main__":
    main()
