"""Gap: moto drops the description of a security-group rule that references another group (e.g. a
self-referencing MWAA rule) from DescribeSecurityGroupRules, and ModifySecurityGroupRules rejects an
all-protocol (-1) rule for having no ports. aws_vpc_security_group_ingress_rule then drifts forever and
the update that would fix it fails. Fix: report the referenced-group rule's description, and accept
port-less updates of -1 rules (ports are -1 there, as in AWS), storing the new description on either kind
of rule."""

from __future__ import annotations

from typing import Any


def apply() -> None:
    from moto.ec2.models.security_groups import SecurityGroupBackend, SecurityGroupRule

    if getattr(SecurityGroupRule, "_mwaa_platform_fixed", False):
        return

    def description(self: Any) -> str | None:
        return self.ip_range.get("Description") or (self.source_group or {}).get("Description")

    def referenced_group_info(self: Any) -> dict[str, str] | None:
        if not self.source_group:
            return None
        return {k: v for k, v in self.source_group.items() if k in ("GroupId", "UserId", "VpcId",
                                                                     "VpcPeeringConnectionId", "PeeringStatus")}

    SecurityGroupRule.description = property(description)  # type: ignore[assignment,method-assign]
    SecurityGroupRule.referenced_group_info = property(referenced_group_info)  # type: ignore[assignment,method-assign]

    original_modify = SecurityGroupBackend.modify_security_group_rules

    def modify_security_group_rules(self: Any, group_id: str, rules: dict[str, dict[str, Any]]) -> None:
        for new_rule in rules.values():
            if str(new_rule.get("IpProtocol")) in ("-1", "all"):
                new_rule.setdefault("FromPort", -1)
                new_rule.setdefault("ToPort", -1)
        original_modify(self, group_id, rules)
        group = self.get_security_group_by_name_or_id(group_id)
        for rule_id, new_rule in rules.items():
            rule = group.get_rule(rule_id)
            if rule is not None and rule.source_group and new_rule.get("Description") is not None:
                rule.source_group["Description"] = new_rule["Description"]
                rule.ip_range.pop("Description", None)

    SecurityGroupBackend.modify_security_group_rules = modify_security_group_rules  # type: ignore[method-assign]
    SecurityGroupRule._mwaa_platform_fixed = True  # type: ignore[attr-defined]
