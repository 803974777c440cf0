"""`mwaa-platform upgrade check --config-options JSON|@FILE`: any text or file in, a dict of strings or a clear
InputError out; never an uncaught exception, never the value of an option echoed in the error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from fuzz_support import SECRET, json_values
from hypothesis import given
from hypothesis import strategies as st

from mwaa_platform.upgrade.inputs import InputError, parse_config_options


def _check(text: str) -> None:
    try:
        options = parse_config_options(text)
    except InputError as exc:
        assert SECRET not in str(exc)
        return
    assert all(isinstance(k, str) and "." in k and isinstance(v, str) for k, v in options.items())


@given(value=json_values(("core.fernet_key", "webserver.secret_key", "secrets.backend")))
def test_any_json_value(value: object) -> None:
    _check(json.dumps(value))


@given(text=st.text(max_size=200))
def test_any_text(text: str) -> None:
    _check(text)


@given(body=st.binary(max_size=200) | st.just(b"[" * 5000 + b"]" * 5000))
def test_any_file(body: bytes, tmp_path_factory: pytest.TempPathFactory) -> None:
    path = tmp_path_factory.mktemp("opts") / "options.json"
    path.write_bytes(body)
    _check(f"@{path}")


@pytest.mark.parametrize("text", ["@/nonexistent/options.json", f'{{"core.fernet_key": "{SECRET}", "x": 1}}',
                                  '{"webserver": {"secret_key": 1}}', "[1, 2]"])
def test_rejections_say_why_without_the_values(text: str, tmp_path: Path) -> None:
    with pytest.raises(InputError) as err:
        parse_config_options(text)
    assert "--config-options" in str(err.value) and SECRET not in str(err.value)
