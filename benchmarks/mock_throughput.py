"""Mock server throughput on loopback: the small Kombo attachments response, one keep-alive client.

    .venv/bin/python benchmarks/mock_throughput.py [--requests N] [--threads T]

Prints requests/s and p50/p99 latency (ms) as one JSON line.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import threading
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from generator.mock.server import MockServer  # noqa: E402

URL = "/v1/ats/candidates/x/attachments"
HEADERS = {"Authorization": "Bearer key", "X-Integration-Id": "join:abc"}


def run(requests: int, threads: int) -> dict[str, float]:
    with MockServer(ROOT / "specs" / "kombo.yaml") as mock:
        latencies: list[float] = []
        lock = threading.Lock()

        def worker(count: int) -> None:
            mine = []
            with httpx.Client(base_url=mock.url) as http:
                http.get(URL, headers=HEADERS).raise_for_status()  # connection and caches warm
                for _ in range(count):
                    started = time.perf_counter()
                    http.get(URL, headers=HEADERS).raise_for_status()
                    mine.append(time.perf_counter() - started)
            with lock:
                latencies.extend(mine)

        started = time.perf_counter()
        pool = [threading.Thread(target=worker, args=(requests // threads,)) for _ in range(threads)]
        for thread in pool:
            thread.start()
        for thread in pool:
            thread.join()
        elapsed = time.perf_counter() - started
    latencies.sort()
    return {
        "requests": len(latencies),
        "threads": threads,
        "requests_per_s": round(len(latencies) / elapsed, 1),
        "p50_ms": round(statistics.median(latencies) * 1000, 3),
        "p99_ms": round(latencies[int(len(latencies) * 0.99) - 1] * 1000, 3),
    }


if __name__ == "__main__":
    parser = argparse.ArgumentParser()
    parser.add_argument("--requests", type=int, default=2000)
    parser.add_argument("--threads", type=int, default=1)
    args = parser.parse_args()
    print(json.dumps(run(args.requests, args.threads)))
