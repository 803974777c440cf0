#!/usr/bin/env python3
"""`make demo` for a real ENV: thin entry point of `mwaa-platform demo` (mwaa_platform.demo)."""

from mwaa_platform.demo import main

if __name__ == "__main__":
    raise SystemExit(main())
