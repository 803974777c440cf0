#!/usr/bin/env python3
"""`make drill` / `make demo` (ENV=local): thin entry point of `mwaa-platform drill` (mwaa_local.dr_drill)."""

from mwaa_local.dr_drill import main

if __name__ == "__main__":
    raise SystemExit(main())
