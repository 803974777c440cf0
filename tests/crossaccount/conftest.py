"""Fixtures for the cross-account data area (helpers live in xacct_support.py)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from mwaa_local import ports
from mwaa_local.emulator import Emulator


@pytest.fixture(scope="session")
def xacct_emulator(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Emulator]:
    emu = Emulator(port=ports.free_port(), root=tmp_path_factory.mktemp("xacct-emulator"))
    emu.start()
    try:
        yield emu
    finally:
        emu.stop()
