"""Our diff against a peer's own checker tests: each oasdiff checker test that diffs two spec files from its
``data/`` folder (unmodified in Go) and names the change ids it expects gives a spec pair and a worst class
(oasdiff's ERR, WARN, INFO for breaking, warning, safe, from ``checker/rules.go``). Our ``diff_specs`` runs on
the same pair; the report counts agreement on the worst class, the breaking changes we miss and the
verdicts where we are stricter, each named with the test. A test that runs a single request (or response)
check is compared with our changes of that direction only.

    python tools/oasdiff_suite.py /path/to/oasdiff [--verbose] [--packages]

``--packages`` judges as ``specgen diff`` does: both sides generated, a breaking change of the generated
public API counted as breaking and an addition as safe (a side that does not generate: the spec's changes
alone).

The path is an oasdiff checkout, or a bare mirror (its ``HEAD`` is read with ``git archive``). Nothing here
fetches anything; the pairs are loaded with our own loader (local ``$ref``s only).
"""

from __future__ import annotations

import io
import re
import subprocess
import sys
import tarfile
import tempfile
from collections import Counter
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
LEVELS = {"ERR": "breaking", "WARN": "warning", "INFO": "safe"}
ORDER = ("breaking", "warning", "safe", "none")

_RULE = re.compile(r"newBackwardCompatibilityRule\(\s*(\w+Id)\s*,\s*(ERR|WARN|INFO)")
_TEST = re.compile(r"^func (Test\w+)\(t \*testing\.T\) \{$", re.M)
_OPEN = re.compile(r'open\(\s*(?:"([^"]+)"|(\w+)\("([^"]+)"\))')
_NUMBERED = re.compile(r"\bl\(t,\s*(\d+)\)")
_FILE_FN = re.compile(r'(\w+)\s*=\s*dataFileFn\("([^"]+)"\)')
_ID = re.compile(r"checker\.(\w+Id)\b")
_LOADED = re.compile(r"^\s*(\w+)(?:,\s*err)?\s*:?=\s*(?:open|l)\(", re.M)
_NEGATIVE = re.compile(r"\b(?:False|NotContains|NotEqual|Empty|Zero|Nil|NotRegexp)\(|!\s*containsId|Len\(t, \w+, 0\)")


def _statements(body: str) -> list[str]:
    """The test body cut before each line that starts a statement (an assertion spans its lines)."""
    out: list[str] = []
    for line in body.splitlines():
        if (
            out
            and line.startswith(("\t\t", "\t)"))
            and not line.strip().startswith(("require.", "assert.", "if ", "for "))
        ):
            out[-1] += "\n" + line
        else:
            out.append(line)
    return out


def checkout(source: Path) -> Path:
    """A work tree of ``source``: itself, or ``HEAD`` of a bare mirror unpacked into a temporary folder."""
    if (source / "checker").is_dir():
        return source
    archive = subprocess.run(
        ["git", "archive", "--format=tar", "HEAD", "checker", "data"], cwd=source, capture_output=True, check=True
    ).stdout
    target = Path(tempfile.mkdtemp(prefix="oasdiff-"))
    with tarfile.open(fileobj=io.BytesIO(archive)) as tar:
        tar.extractall(target, filter="data")
    return target


def pairs(tree: Path) -> tuple[list[dict[str, Any]], Counter[str]]:
    """The checker tests that diff two files unmodified, with the worst class their expected ids have."""
    levels = {m.group(1): LEVELS[m.group(2)] for m in _RULE.finditer((tree / "checker/rules.go").read_text())}
    helpers = "".join(p.read_text() for p in (tree / "checker").glob("*_test.go"))
    folders = dict(_FILE_FN.findall(helpers))
    found, skipped = [], Counter[str]()
    for test_file in sorted((tree / "checker").glob("*_test.go")):
        text = test_file.read_text()
        starts = [(m.start(), m.group(1)) for m in _TEST.finditer(text)]
        for index, (start, name) in enumerate(starts):
            body = text[start : starts[index + 1][0] if index + 1 < len(starts) else len(text)]
            files = [
                f"../data/{folders[fn]}/{arg}" if fn in folders else literal
                for literal, fn, arg in _OPEN.findall(body)
                if literal or fn in folders
            ] + [f"../data/openapi-test{n}.yaml" for n in _NUMBERED.findall(body)]
            if len(files) != 2:
                skipped["not two files"] += 1
                continue
            names = _LOADED.findall(body)
            if len(names) != 2 or any(len(re.findall(rf"\b{n}\b", body)) > 2 for n in names):
                skipped["specs changed in Go"] += 1  # a loaded spec used beyond its load and the diff call
                continue
            ids = [
                i for statement in _statements(body) if not _NEGATIVE.search(statement) for i in _ID.findall(statement)
            ]
            ids = [i for i in ids if i in levels]
            if not ids:
                skipped["no change id expected (or only absent ones)"] += 1
                continue
            worst = min((levels[i] for i in ids), key=ORDER.index)
            single = re.search(r"singleCheckConfig\(checker\.(Request|Response)\w*Check\)", body)
            found.append(
                {
                    "test": f"{test_file.name}:{name}",
                    # a test that runs one request (or response) check hears nothing of the other direction
                    "direction": single.group(1).lower() if single else None,
                    "old": (tree / "checker" / files[0]).resolve(),
                    "new": (tree / "checker" / files[1]).resolve(),
                    "ids": sorted(set(ids)),
                    "expected": worst,
                }
            )
    return found, skipped


def ours(old: Path, new: Path, direction: str | None = None, packages: bool = False) -> tuple[str, list[str]]:
    sys.path.insert(0, str(ROOT))
    from generator.config import ApiConfig
    from generator.core.load import RefPolicy, load_spec
    from generator.drift.check import compare
    from generator.drift.diff import diff_specs

    policy = RefPolicy(allow_outside=True)
    a, b = load_spec(old, (), policy), load_spec(new, (), policy)
    if a.diagnostics.has_errors or b.diagnostics.has_errors:
        return "unloadable", []
    result = compare(a, b, ApiConfig(name="api", spec=new)).result if packages else diff_specs(a, b)
    changes = result.changes
    other = {"request": "response-", "response": "request-"}.get(direction or "")
    changes = [c for c in changes if not (other and c.rule.startswith(other))]
    levels = [c.level for c in changes] + ["breaking" if c.level == "breaking" else "safe" for c in result.api]
    worst = min(levels, key=ORDER.index) if levels else "none"
    said = [f"{c.level} {c.rule}: {c.message}" for c in changes]
    return worst, said + [f"{c.level} public API: {c.text}" for c in result.api]


def main() -> int:
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    if not args:
        print(__doc__, file=sys.stderr)
        return 2
    tree = checkout(Path(args[0]))
    cases, skipped = pairs(tree)
    tally: Counter[str] = Counter()
    for case in cases:
        try:
            verdict, said = ours(case["old"], case["new"], case["direction"], "--packages" in sys.argv)
        except Exception as exc:  # a crash is a result of its own
            verdict, said = "crashed", [f"{type(exc).__name__}: {exc}"]
        expected = case["expected"]
        if verdict == expected or (expected == "safe" and verdict == "none"):
            kind = "agree"
        elif verdict in ("crashed", "unloadable"):
            kind = verdict
        elif expected == "breaking":
            kind = "missed breaking"
        elif verdict == "breaking":
            kind = "stricter (breaking)"
        else:
            kind = "other class"
        tally[kind] += 1
        if kind != "agree" and "--verbose" in sys.argv:
            print(f"{kind}: {case['test']} expects {expected} {case['ids']}; ours {verdict}")
            for line in said[:6]:
                print(f"    {line}")
    print(
        f"{len(cases)} spec pairs from oasdiff's checker tests ({sum(skipped.values())} tests not usable: "
        + ", ".join(f"{n} {why}" for why, n in skipped.most_common())
        + ")"
    )
    for kind in ("agree", "missed breaking", "stricter (breaking)", "other class", "unloadable", "crashed"):
        print(f"  {kind}: {tally[kind]}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
