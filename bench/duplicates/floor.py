"""How low can the repeated-block count of modules/ go?

Counts the pairs that `duplicates` reports for modules/ as it is, then for copies of modules/ with one kind of
Terraform text taken out (or, in one case, each module's files joined into one). Each figure is a floor for what
any refactoring of that kind could reach: a refactoring keeps some of the text it moves, a deletion keeps none.

    python bench/duplicates/floor.py            # needs `duplicates` on PATH (the tool library)

The copies live in a temporary directory; modules/ is only read.
"""

from __future__ import annotations

import re
import shutil
import subprocess
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

REPO = Path(__file__).resolve().parents[2]

Transform = Callable[[Path], None]


def _strip_blocks(header: str, pattern: str = "**/*.tf") -> Transform:
    """Remove every top-level block whose first line matches ``header`` from the files matching ``pattern``."""
    start = re.compile(header)

    def apply(root: Path) -> None:
        for path in root.glob(pattern):
            lines = path.read_text().split("\n")
            kept: list[str] = []
            i = 0
            while i < len(lines):
                if start.match(lines[i]) and lines[i].rstrip().endswith("{"):
                    depth = 0
                    while i < len(lines):
                        depth += lines[i].count("{") - lines[i].count("}")
                        i += 1
                        if depth <= 0:
                            break
                    continue
                kept.append(lines[i])
                i += 1
            path.write_text("\n".join(kept))

    return apply


def _delete(pattern: str) -> Transform:
    def apply(root: Path) -> None:
        for path in root.glob(pattern):
            path.unlink()

    return apply


def _join_module_files(root: Path) -> None:
    """Each directory's .tf files as one file (what the files split by concern were before)."""
    for folder in sorted({p.parent for p in root.glob("**/*.tf") if "tests" not in p.parts}):
        files = sorted(folder.glob("*.tf"))
        text = "\n".join(f.read_text() for f in files)
        for f in files:
            f.unlink()
        (folder / "all.tf").write_text(text)


def _both(*steps: Transform) -> Transform:
    def apply(root: Path) -> None:
        for step in steps:
            step(root)

    return apply


TESTS = _delete("**/*.tftest.hcl")
VARIABLES = _strip_blocks(r"^variable ")
OUTPUTS = _strip_blocks(r"^output ")

SCENARIOS: list[tuple[str, Transform | None]] = [
    ("modules/ as it is", None),
    ("without the moved blocks", _strip_blocks(r"^moved ")),
    (
        "without any IAM role, role policy or policy document",
        _strip_blocks(r'^(resource "aws_iam_role|data "aws_iam_policy_document)'),
    ),
    ("without the examples", _delete("**/examples/**/*.tf")),
    ("each directory's .tf files joined into one", _join_module_files),
    ("without the terraform tests", TESTS),
    ("without the output blocks", OUTPUTS),
    ("without the variable blocks", VARIABLES),
    ("without the tests and the variable blocks", _both(TESTS, VARIABLES)),
    ("without the tests, variable and output blocks", _both(TESTS, VARIABLES, OUTPUTS)),
]


def _copy_tracked(dest: Path) -> None:
    """The files git tracks (and the untracked ones it does not ignore) under modules/, as `duplicates` reads them."""
    listed = subprocess.run(
        ["git", "ls-files", "--cached", "--others", "--exclude-standard", "-z", "modules"],
        cwd=REPO,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    for rel in filter(None, listed.split("\0")):
        source = REPO / rel
        if source.is_file():
            target = dest / Path(rel).relative_to("modules")
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(source, target)


def count_pairs(folder: Path) -> int:
    out = subprocess.run(
        ["duplicates", "--seconds", "120"], cwd=folder, capture_output=True, text=True, check=True
    ).stdout
    first = out.splitlines()[0] if out else ""
    if first.startswith("no duplicates"):
        return 0
    match = re.match(r"(\d+) pairs", first)
    if not match:
        raise SystemExit(f"unexpected duplicates output: {first!r}")
    return int(match.group(1))


def main() -> int:
    if shutil.which("duplicates") is None:
        print("floor: `duplicates` is not on PATH (it comes with the tool library)", file=sys.stderr)
        return 2
    baseline = None
    print(f"{'pairs':>5}  {'vs now':>6}  scenario")
    for title, transform in SCENARIOS:
        with tempfile.TemporaryDirectory() as tmp:
            copy = Path(tmp) / "modules"
            _copy_tracked(copy)
            if transform is not None:
                transform(copy)
            pairs = count_pairs(copy)
        baseline = pairs if baseline is None else baseline
        print(f"{pairs:>5}  {pairs - baseline:>+6}  {title}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
