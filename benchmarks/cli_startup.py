"""How quickly the `memory-agent` command starts, beside `langgraph --help`, as JSON.

Run by hand: `uv run python benchmarks/cli_startup.py [--runs 7]`.
Each command runs once untimed (so bytecode is cached), then `--runs` times; the
figures are seconds per run: the median and the fastest wall time, and the median
CPU time (user and system) of the process, which a busy machine changes least.
The empty database is a SQLite file with the memories table and no rows.
"""

from __future__ import annotations

import argparse
import json
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

from memory import Memory, SqliteMemoryDb


def timed(argv: list[str], runs: int) -> dict[str, float]:
    subprocess.run(argv, check=True, capture_output=True)  # compiles and caches bytecode
    seconds, cpu = [], []
    for _ in range(runs):
        before = _children_cpu()
        started = time.perf_counter()
        subprocess.run(argv, check=True, capture_output=True)
        seconds.append(time.perf_counter() - started)
        cpu.append(_children_cpu() - before)
    return {
        "median_s": round(statistics.median(seconds), 3),
        "min_s": round(min(seconds), 3),
        "cpu_median_s": round(statistics.median(cpu), 3),
    }


def _children_cpu() -> float:
    """User and system seconds of the finished child processes so far."""
    used = resource.getrusage(resource.RUSAGE_CHILDREN)
    return used.ru_utime + used.ru_stime


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--runs", type=int, default=7)
    args = parser.parse_args()
    scripts = Path(sys.executable).parent
    with tempfile.TemporaryDirectory() as folder:
        empty = Path(folder) / "empty.db"
        with Memory(db=SqliteMemoryDb(db_file=empty)) as memory:
            memory.get_user_memories("nobody")  # creates the tables, adds no row
        commands = {
            "memory-agent --help": [str(scripts / "memory-agent"), "--help"],
            "langgraph --help": [str(scripts / "langgraph"), "--help"],
            "memory-agent memories list (empty database)": [
                str(scripts / "memory-agent"),
                "memories",
                "list",
                "--user",
                "nobody",
                "--db",
                str(empty),
            ],
        }
        figures = {name: timed(argv, args.runs) for name, argv in commands.items()}
    print(json.dumps({"runs": args.runs, "commands": figures}, indent=2))


if __name__ == "__main__":
    main()
