"""Gap: moto stores EventBridge Scheduler schedules but never fires them, so nothing scheduled (the DR health
check, the DAG invoker) ever runs in the emulator. Fix: a background clock in the emulator fires ENABLED
schedules on time — rate(N minute[s]|hour[s]|day[s]), at(yyyy-mm-ddThh:mm:ss) and cron(min hour dom month dow
[year]) in UTC with *, lists, ranges, steps and ? — and delivers the target Input to Lambda (asynchronous
invoke), Step Functions (StartExecution) or SQS (SendMessage). A delivery that fails goes to the target's
DeadLetterConfig queue. Time zones other than UTC and the L/W/# cron extensions are not emulated (such a
schedule never fires and the emulator log says why)."""

from __future__ import annotations

import datetime as dt
import logging
import re
import threading
import time
from typing import Any

log = logging.getLogger("mwaa_platform.emulator.scheduler")
TICK_S = 1.0
_RATE = re.compile(r"^rate\((\d+)\s+(minute|minutes|hour|hours|day|days)\)$")
_AT = re.compile(r"^at\((\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2})\)$")
_CRON = re.compile(r"^cron\((.+)\)$")
_UNIT_S = {"minute": 60, "hour": 3600, "day": 86400}
_FIELD_RANGES = [(0, 59), (0, 23), (1, 31), (1, 12), (1, 7)]


def _cron_field(expr: str, low: int, high: int) -> set[int] | None:
    if expr in ("*", "?"):
        return set(range(low, high + 1))
    values: set[int] = set()
    for item in expr.split(","):
        part, step = item, 1
        if "/" in item:
            part, step_s = item.split("/", 1)
            step = int(step_s)
        if part in ("*", ""):
            start, end = low, high
        elif "-" in part:
            a, b = part.split("-", 1)
            start, end = int(a), int(b)
        elif part.isdigit():
            start = end = int(part)
            if step != 1:
                end = high
        else:
            return None  # L, W, #, names: not emulated
        values.update(range(start, end + 1, step))
    return values


def cron_matches(expression: str, when: dt.datetime) -> bool | None:
    """True/False for a cron() body at minute ``when`` (UTC); None if the expression is not supported."""
    fields = expression.split()
    if len(fields) not in (5, 6):
        return None
    parsed = [_cron_field(f, lo, hi) for f, (lo, hi) in zip(fields[:5], _FIELD_RANGES, strict=True)]
    if any(p is None for p in parsed):
        return None
    minutes, hours, doms, months, dows = parsed  # type: ignore[misc]
    aws_dow = when.isoweekday() % 7 + 1  # AWS: 1 = Sunday ... 7 = Saturday
    year_ok = len(fields) == 5 or fields[5] in ("*", "?") or str(when.year) in fields[5].split(",")
    return (when.minute in minutes and when.hour in hours and when.month in months and year_ok  # type: ignore[operator]
            and (when.day in doms or fields[2] == "?") and (aws_dow in dows or fields[4] == "?"))  # type: ignore[operator]


class Clock:
    def __init__(self) -> None:
        self.last_fired: dict[str, float] = {}
        self.warned: set[str] = set()

    def due(self, schedule: Any, now: float) -> bool:
        expr = schedule.schedule_expression.strip()
        key = schedule.arn
        if (schedule.schedule_expression_timezone or "UTC") != "UTC":
            return self._unsupported(key, f"time zone {schedule.schedule_expression_timezone}")
        if match := _RATE.match(expr):
            period = int(match.group(1)) * _UNIT_S[match.group(2).rstrip("s")]
            last = self.last_fired.setdefault(key, schedule.creation_date or now)
            return now - last >= period
        if match := _AT.match(expr):
            at = dt.datetime.fromisoformat(match.group(1)).replace(tzinfo=dt.UTC).timestamp()
            return key not in self.last_fired and now >= at
        if match := _CRON.match(expr):
            minute = dt.datetime.fromtimestamp(now, dt.UTC).replace(second=0, microsecond=0)
            if self.last_fired.get(key, 0) >= minute.timestamp():
                return False
            result = cron_matches(match.group(1), minute)
            return self._unsupported(key, expr) if result is None else result
        return self._unsupported(key, expr)

    def _unsupported(self, key: str, what: str) -> bool:
        if key not in self.warned:
            self.warned.add(key)
            log.warning("schedule %s will not fire in the emulator: %s is not emulated", key, what)
        return False


def fire(schedule: Any) -> None:
    from mwaa_local.aws_emulator.fixes.events_deliver_to_lambda_and_sfn import (
        DeliveryError,
        _dead_letter,
        _deliver_sfn,
    )

    target = schedule.target
    payload = target.get("Input") or "{}"
    arn = target["Arn"]
    service, region, account = arn.split(":")[2], arn.split(":")[3], arn.split(":")[4]
    try:
        if service == "lambda":
            from moto.awslambda.models import lambda_backends

            from mwaa_local.aws_emulator.fixes.lambda_runs_handlers import run_async

            run_async(lambda_backends[account][region].get_function(arn), payload)
        elif service == "states":
            _deliver_sfn({"Arn": arn}, payload)
        elif service == "sqs":
            from moto.sqs.models import sqs_backends

            sqs_backends[account][region].send_message(queue_name=arn.split(":")[5], message_body=payload)
        else:
            raise DeliveryError(f"target service {service} is not emulated")
    except Exception as exc:
        _dead_letter(target, {"schedule": schedule.arn, "input": payload}, str(exc))


def run_forever(clock: Clock) -> None:
    from moto.scheduler.models import scheduler_backends

    while True:
        now = time.time()
        try:
            for regions in list(scheduler_backends.values()):
                for backend in list(regions.values()):
                    groups = list(backend.schedule_groups.values())
                    for schedule in [s for g in groups for s in list(g.schedules.values())]:
                        if schedule.state == "ENABLED" and clock.due(schedule, now):
                            clock.last_fired[schedule.arn] = now
                            threading.Thread(target=fire, args=(schedule,), daemon=True).start()
        except Exception:
            log.exception("scheduler clock tick failed")
        time.sleep(TICK_S)


def apply() -> None:
    threading.Thread(target=run_forever, args=(Clock(),), name="scheduler-clock", daemon=True).start()
