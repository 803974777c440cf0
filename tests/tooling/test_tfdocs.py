"""README Inputs/Outputs tables generated from the code (`make docs`) and the gate that keeps them so (docs-check)."""

from __future__ import annotations

import io
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from mwaa_platform.tooling import tfdocs

VARIABLES = textwrap.dedent('''
    variable "name" {
      description = "Name prefix: <name>-<purpose> | or `<name>` in code."
      type        = string
    }

    variable "settings" {
      description = <<-EOT
        Nested settings,
        over two lines.
      EOT
      type = object({
        enabled = optional(bool, true)
        labels  = optional(map(string), {})
        rules   = optional(list(object({ sid = string, actions = list(string) })), [])
      })
      default = {}
    }

    variable "zones" {
      description = "Zones."
      type        = list(string)
      default     = ["a", "b"]
    }
''')

OUTPUTS = textwrap.dedent('''
    output "id" {
      description = "The thing's id (null when not created)."
      value       = "x"
    }

    output "secret" {
      description = "A token."
      value       = "y"
      sensitive   = true
    }
''')

README = textwrap.dedent('''
    # fixture

    Hand-written prose before the tables.

    <!-- BEGIN_TF_DOCS -->
    <!-- END_TF_DOCS -->

    ## Tests

    Hand-written prose after them.
''').lstrip()


@pytest.fixture
def module(tmp_path: Path) -> Path:
    directory = tmp_path / "fixture"
    directory.mkdir()
    (directory / "main.tf").write_text('locals {\n  x = 1\n}\n')
    (directory / "variables.tf").write_text(VARIABLES)
    (directory / "outputs.tf").write_text(OUTPUTS)
    (directory / "README.md").write_text(README)
    assert tfdocs.run([directory], check=False, out=io.StringIO()) == 0
    return directory


def _check(directory: Path) -> tuple[int, str]:
    out = io.StringIO()
    return tfdocs.run([directory], check=True, out=out), out.getvalue()


def test_generated_tables_keep_the_prose_and_describe_every_input_and_output(module: Path) -> None:
    readme = (module / "README.md").read_text()
    assert readme.startswith("# fixture\n\nHand-written prose before the tables.\n")
    assert readme.endswith("## Tests\n\nHand-written prose after them.\n")
    rows = {line.split(" | ")[0].strip("| `"): line for line in readme.splitlines() if line.startswith("| `")}
    assert set(rows) == {"name", "settings", "zones", "id", "secret"}
    assert rows["name"].endswith("| `string` | n/a | yes |")
    assert "&lt;name&gt;-&lt;purpose&gt; \\| or `<name>` in code." in rows["name"]
    assert "Nested settings, over two lines." in rows["settings"]
    assert "<pre>object({<br>  enabled = optional(bool, true),<br>" in rows["settings"]
    assert "labels = optional(map(string), {})" in rows["settings"] and rows["settings"].endswith("| `{}` | no |")
    assert rows["zones"].endswith('| `list(string)` | `["a", "b"]` | no |')
    assert rows["id"].endswith("| no |") and rows["secret"].endswith("| A token. | yes |")
    assert _check(module) == (0, "")


def test_the_check_fails_when_a_variable_is_added_without_regenerating(module: Path) -> None:
    before = (module / "README.md").read_text()
    with (module / "variables.tf").open("a") as handle:
        handle.write('\nvariable "retention_days" {\n  description = "Days to keep logs."\n  type = number\n'
                     '  default = 30\n}\n')

    code, report = _check(module)

    assert code == 1
    assert "+| `retention_days` | Days to keep logs. | `number` | `30` | no |" in report
    assert "run `make docs`" in report and str(module / "README.md") in report
    assert (module / "README.md").read_text() == before  # a check changes nothing
    assert tfdocs.run([module], check=False, out=io.StringIO()) == 0  # `make docs` ...
    assert _check(module) == (0, "")  # ... and the gate passes again


def test_the_check_fails_when_an_output_is_removed_or_a_description_changes(module: Path) -> None:
    (module / "outputs.tf").write_text(OUTPUTS.split('output "secret"')[0].replace("The thing's id", "The id"))
    code, report = _check(module)
    assert code == 1 and "-| `secret` |" in report and "+| `id` | The id (null when not created). | no |" in report


def test_the_command_line_gate_exits_1_with_the_diff(module: Path) -> None:
    (module / "variables.tf").write_text(VARIABLES.replace('"Zones."', '"Zones in order."'))
    done = subprocess.run([sys.executable, "-m", "mwaa_platform.tooling.tfdocs", "--check", str(module)],
                          capture_output=True, text=True, timeout=120, check=False)
    assert done.returncode == 1, done.stdout + done.stderr
    assert "+| `zones` | Zones in order." in done.stdout and "run `make docs`" in done.stdout


def test_a_readme_without_markers_gets_the_block_appended(module: Path) -> None:
    (module / "README.md").write_text("# fixture\n\nOnly prose.\n")
    assert _check(module)[0] == 1
    tfdocs.run([module], check=False, out=io.StringIO())
    readme = (module / "README.md").read_text()
    assert readme.startswith("# fixture\n\nOnly prose.\n\n<!-- BEGIN_TF_DOCS -->") and readme.endswith(
        "<!-- END_TF_DOCS -->\n")


def test_default_directories_are_the_modules_and_stacks_with_a_readme(tmp_path: Path) -> None:
    for path in ("modules/a/main.tf", "modules/b/variables.tf", "modules/empty/README.md",
                 "terraform/platform/main.tf", "terraform/documented/main.tf", "terraform/documented/README.md"):
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text("")
    found = [p.relative_to(tmp_path).as_posix() for p in tfdocs.default_directories(tmp_path)]
    assert found == ["modules/a", "modules/b", "terraform/documented"]
