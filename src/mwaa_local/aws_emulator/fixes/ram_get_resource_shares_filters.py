"""Gap: moto's GetResourceShares ignores every filter (resourceShareArns, resourceShareStatus, name, tagFilters)
and answers all shares of the account, deleted ones included. The provider looks a share up by ARN and fails
with "too many results: wanted 1, got 2" as soon as the account holds a second share (even a deleted one), so
a second shared-VPC stack, or a re-apply after a destroy, cannot create its share.
Fix: apply the filters as RAM does (all given filters must match; tagFilters match a key with any of the
listed values, or any value when none are listed)."""

from __future__ import annotations

import json
from typing import Any


def _matches(share: dict[str, Any], params: dict[str, Any]) -> bool:
    arns = params.get("resourceShareArns") or []
    if arns and share.get("resourceShareArn") not in arns:
        return False
    status = params.get("resourceShareStatus")
    if status and share.get("status") != status:
        return False
    name = params.get("name")
    if name and share.get("name") != name:
        return False
    tags = {t.get("key"): t.get("value") for t in share.get("tags") or []}
    for tag_filter in params.get("tagFilters") or []:
        key, values = tag_filter.get("tagKey"), tag_filter.get("tagValues") or []
        if key not in tags or (values and tags[key] not in values):
            return False
    return True


def apply() -> None:
    from moto.ram.responses import ResourceAccessManagerResponse

    original = ResourceAccessManagerResponse.get_resource_shares
    if getattr(original, "_mwaa_platform_fixed", False):
        return

    def get_resource_shares(self: Any) -> str:
        answer = json.loads(original(self))
        params = self.request_params if isinstance(getattr(self, "request_params", None), dict) else {}
        answer["resourceShares"] = [s for s in answer.get("resourceShares", []) if _matches(s, params)]
        return json.dumps(answer)

    get_resource_shares._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    ResourceAccessManagerResponse.get_resource_shares = get_resource_shares  # type: ignore[method-assign]
