"""``make upgrade-drill``: real Airflow upgrades on the drill's own embedded default, verified, with a report.

Thin: the work is in :mod:`mwaa_local.upgrade_drill` (it runs on the embedded default). Scenarios are
FROM:TO pairs; the strategy follows the version table (in place when MWAA allows it, else blue-green).
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from mwaa_local import upgrade_drill as drill
from mwaa_platform import versions

REPO = Path(__file__).resolve().parents[1]


def scenario(text: str) -> tuple[str, str]:
    current, _, target = text.partition(":")
    try:
        versions.get(current)
        versions.get(target)
    except versions.UnknownVersionError as exc:
        raise argparse.ArgumentTypeError(f"{text}: {exc}") from None
    return current, target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--scenario", action="append", type=scenario, metavar="FROM:TO",
                        help="repeatable; default: " + " ".join(f"{a}:{b}" for a, b in drill.DEFAULT_SCENARIOS))
    parser.add_argument("--out", type=Path, default=REPO / ".state" / "upgrade-drill", help="state and report")
    parser.add_argument("--keep", action="store_true", help="leave the embedded default running afterwards")
    args = parser.parse_args(argv)
    return drill.main(args.out, args.scenario or list(drill.DEFAULT_SCENARIOS), keep=args.keep)


if __name__ == "__main__":
    sys.exit(main())
