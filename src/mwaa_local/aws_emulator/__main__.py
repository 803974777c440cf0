"""``python -m mwaa_local.aws_emulator --port N``: run the patched moto server in the foreground."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys

from mwaa_local.aws_emulator.server import serve


def main() -> None:
    parser = argparse.ArgumentParser(description="local AWS emulator (moto + mwaa-platform fixes)")
    parser.add_argument("--host", default="127.0.0.1")
    parser.add_argument("--port", type=int, default=int(os.environ.get("EMULATOR_PORT", "4566")))
    args = parser.parse_args()
    logging.basicConfig(level=logging.WARNING, format="%(asctime)s %(levelname)s %(name)s %(message)s")
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))
    serve(args.host, args.port)


if __name__ == "__main__":
    main()
