"""What ``upgrade check`` reports: findings (per file and line where there is one) grouped by check."""

from __future__ import annotations

from dataclasses import asdict, dataclass, field
from typing import Any, Literal

Severity = Literal["blocker", "warning", "info"]
CHECKS = ("version", "requirements", "dags", "airflow3", "config")


@dataclass(frozen=True)
class Finding:
    check: str                 # one of CHECKS
    severity: Severity
    message: str
    file: str | None = None    # relative to the DAGs folder (or the requirements / plugins path)
    line: int | None = None
    code: str | None = None    # e.g. AIR301, an Airflow option, a requirement

    def where(self) -> str:
        if not self.file:
            return ""
        return f"{self.file}:{self.line}" if self.line else self.file


@dataclass
class CheckReport:
    environment: str
    current: str
    target: str
    path: str                                  # in_place | new_environment | none | refused
    strategies: list[str] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    ran: dict[str, dict[str, Any]] = field(default_factory=dict)   # check -> {status, seconds, ...}

    @property
    def blocked(self) -> bool:
        return any(f.severity == "blocker" for f in self.findings)

    def add(self, *found: Finding) -> None:
        self.findings.extend(found)

    def to_dict(self) -> dict[str, Any]:
        return {"environment": self.environment, "from": self.current, "to": self.target, "path": self.path,
                "strategies": self.strategies, "blocked": self.blocked,
                "blockers": sum(f.severity == "blocker" for f in self.findings),
                "warnings": sum(f.severity == "warning" for f in self.findings),
                "checks": self.ran, "findings": [asdict(f) for f in self.findings]}

    def lines(self) -> list[str]:
        verdict = "BLOCKED" if self.blocked else "OK"
        out = [f"upgrade {self.environment}: Airflow {self.current} -> {self.target}: {verdict} "
               f"(path {self.path}; strategies: {', '.join(self.strategies) or 'none'})"]
        for check in CHECKS:
            info = self.ran.get(check)
            if info is None:
                continue
            mine = [f for f in self.findings if f.check == check]
            took = f" {info['seconds']}s" if "seconds" in info else ""
            out.append(f"  [{check}] {info.get('status')}{took}: {info.get('summary', '')}".rstrip(": "))
            for f in mine:
                where = f"{f.where()}: " if f.where() else ""
                code = f"{f.code} " if f.code else ""
                out.append(f"    {f.severity:7} {where}{code}{f.message}")
        return out
