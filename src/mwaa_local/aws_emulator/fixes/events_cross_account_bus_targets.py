"""Gap: moto forwards an event to an event-bus target (another account or region) as a new PutEvents in the
target account: the event's ``account``, ``region``, ``id``, ``time`` and ``resources`` become the target's,
so an owner-side rule that matches on the participant's ``account`` (the shared-VPC pattern) never fires; and
the target bus's resource policy is never consulted, so forwarding works even where AWS denies it.
Fix: deliver the event unchanged (AWS keeps the source account and region on forwarded events) to the rules
of the target bus, and only when the bus is in the same account or its policy allows events:PutEvents for the
source account (Principal account / root ARN / "*", with any ``events:source`` / ``events:detail-type`` /
``aws:PrincipalAccount`` StringEquals condition); otherwise the event goes to the target's dead-letter queue
with the reason, as AWS does with a failed delivery. Other condition keys are not evaluated: such a statement
does not grant (fail closed)."""

from __future__ import annotations

import copy
import json
import logging
import threading
from typing import Any, cast

log = logging.getLogger("mwaa_platform.emulator.events")
_CHECKED_KEYS = {"events:source", "events:detail-type", "aws:principalaccount"}
MAX_HOPS = 5  # a forwarding loop between buses stops here instead of recursing forever
_depth = threading.local()


def _is_bus(arn: str) -> bool:
    parts = arn.split(":")
    return len(parts) >= 6 and parts[2] == "events" and parts[5].startswith("event-bus/")


def _as_list(value: Any) -> list[Any]:
    return value if isinstance(value, list) else [value]


def _principal_matches(principal: Any, account: str) -> bool:
    if principal == "*":
        return True
    values = principal.get("AWS", []) if isinstance(principal, dict) else principal
    return any(value in ("*", account, f"arn:aws:iam::{account}:root") for value in _as_list(values))


def _conditions_hold(condition: dict[str, Any], event: dict[str, Any], account: str) -> bool:
    facts = {"events:source": event.get("source"), "events:detail-type": event.get("detail-type"),
             "aws:principalaccount": account}
    for operator, clauses in (condition or {}).items():
        if operator != "StringEquals":
            return False
        for key, expected in clauses.items():
            if key.lower() not in _CHECKED_KEYS or facts[key.lower()] not in _as_list(expected):
                return False
    return True


def allowed(bus: Any, event: dict[str, Any], source_account: str) -> tuple[bool, str]:
    """Does ``bus`` accept PutEvents of ``event`` from ``source_account``? (True, "") or (False, reason)."""
    if bus.account_id == source_account:
        return True, ""
    if not bus.policy:
        return False, f"event bus {bus.arn} has no resource policy admitting account {source_account}"
    for stmt in json.loads(bus.policy).get("Statement", []):
        actions = _as_list(stmt.get("Action", []))
        if stmt.get("Effect") != "Allow" or not {"events:PutEvents", "events:*"} & set(actions):
            continue
        if _principal_matches(stmt.get("Principal"), source_account) and _conditions_hold(
                stmt.get("Condition", {}), event, source_account):
            return True, ""
    return False, f"the policy of {bus.arn} does not allow events:PutEvents of this event from {source_account}"


def forward(rule: Any, target: dict[str, Any], event: dict[str, Any]) -> None:
    from moto.events.models import events_backends

    from mwaa_local.aws_emulator.fixes.events_deliver_to_lambda_and_sfn import _dead_letter

    parts = target["Arn"].split(":")
    account, region, bus_name = parts[4], parts[3], parts[5].split("/", 1)[1]
    try:
        bus = events_backends[account][region].describe_event_bus(bus_name)
    except Exception as exc:  # moto's ResourceNotFoundException
        _dead_letter(target, event, f"event bus {target['Arn']} not found: {exc}")
        return
    ok, reason = allowed(bus, event, rule.account_id)
    hops = getattr(_depth, "hops", 0)
    if ok and hops >= MAX_HOPS:
        ok, reason = False, f"event {event.get('id')} was forwarded {hops} times (a loop between event buses?)"
    if not ok:
        _dead_letter(target, event, reason)
        return
    _depth.hops = hops + 1
    try:
        for target_rule in list(bus.rules.values()):
            if target_rule.state == "ENABLED":
                target_rule.send_to_targets(cast(Any, copy.deepcopy(event)))
    finally:
        _depth.hops = hops


def apply() -> None:
    from moto.events.models import Rule

    previous = Rule.send_to_targets
    if getattr(previous, "_mwaa_platform_bus_fixed", False):
        return

    def send_to_targets(self: Any, original_event: Any, transform_input: bool = True) -> None:
        if not self.event_pattern.matches_event(original_event):
            return
        buses = [t for t in self.targets if _is_bus(t["Arn"])]
        others = [t for t in self.targets if not _is_bus(t["Arn"])]
        if others:
            view = copy.copy(self)
            view.targets = others
            previous(view, original_event, transform_input)
        for target in buses:  # AWS forwards the event as it is: no Input/InputTransformer on bus targets
            forward(self, target, dict(original_event))

    send_to_targets._mwaa_platform_bus_fixed = True  # type: ignore[attr-defined]
    send_to_targets._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    Rule.send_to_targets = send_to_targets  # type: ignore[method-assign]
