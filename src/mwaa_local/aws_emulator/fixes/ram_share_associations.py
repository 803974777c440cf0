"""Gap: moto's RAM has resource shares but no AssociateResourceShare / DisassociateResourceShare, so
aws_ram_resource_association and aws_ram_principal_association (the shared-VPC owner side) cannot apply;
ListResourceSharePermissions is missing too, and share tags are dropped (a permanent tags diff).
Fix: implement them with moto's own validation of principals and resource ARNs; associations then show in
GetResourceShareAssociations (ASSOCIATED) and disappear when disassociated; tags are kept and editable."""

from __future__ import annotations

import json
from typing import Any


def _association(share: Any, entity: str, kind: str, status: str) -> dict[str, Any]:
    from moto.core.utils import unix_time

    return {"resourceShareArn": share.arn, "resourceShareName": share.name, "associatedEntity": entity,
            "associationType": kind, "status": status, "creationTime": unix_time(share.creation_time),
            "lastUpdatedTime": unix_time(share.last_updated_time), "external": False}


def _share(backend: Any, arn: str | None) -> Any:
    from moto.ram.exceptions import UnknownResourceException

    for share in backend.resource_shares:
        if share.arn == arn and share.status != "DELETED":
            return share
    raise UnknownResourceException(f"ResourceShare {arn} could not be found.")


def apply() -> None:
    from moto.ram import urls
    from moto.ram.responses import ResourceAccessManagerResponse

    urls.url_paths.setdefault("{0}/associateresourceshare$", ResourceAccessManagerResponse.dispatch)
    urls.url_paths.setdefault("{0}/disassociateresourceshare$", ResourceAccessManagerResponse.dispatch)
    urls.url_paths.setdefault("{0}/listresourcesharepermissions$", ResourceAccessManagerResponse.dispatch)

    def list_resource_share_permissions(self: Any) -> str:
        _share(self.ram_backend, self.request_params.get("resourceShareArn"))
        return json.dumps({"permissions": []})  # only the default permission of each type applies here

    from moto.ram.models import ResourceShare

    original_init, original_describe = ResourceShare.__init__, ResourceShare.describe

    def init(self: Any, account_id: str, region: str, **kwargs: Any) -> None:
        original_init(self, account_id, region, **kwargs)
        self.tags = {t["key"]: t.get("value", "") for t in kwargs.get("tags", []) or []}

    def describe(self: Any) -> dict[str, Any]:
        out = original_describe(self)
        out["tags"] = [{"key": k, "value": v} for k, v in sorted(getattr(self, "tags", {}).items())]
        return out

    ResourceShare.__init__ = init  # type: ignore[method-assign]
    ResourceShare.describe = describe  # type: ignore[method-assign]
    urls.url_paths.setdefault("{0}/tagresource$", ResourceAccessManagerResponse.dispatch)
    urls.url_paths.setdefault("{0}/untagresource$", ResourceAccessManagerResponse.dispatch)

    def tag_resource(self: Any) -> str:
        share = _share(self.ram_backend, self.request_params.get("resourceShareArn"))
        share.tags.update({t["key"]: t.get("value", "") for t in self.request_params.get("tags", [])})
        return "{}"

    def untag_resource(self: Any) -> str:
        share = _share(self.ram_backend, self.request_params.get("resourceShareArn"))
        for key in self.request_params.get("tagKeys", []):
            share.tags.pop(key, None)
        return "{}"

    ResourceAccessManagerResponse.tag_resource = tag_resource  # type: ignore[attr-defined]
    ResourceAccessManagerResponse.untag_resource = untag_resource  # type: ignore[attr-defined]

    def associate_resource_share(self: Any) -> str:
        params = self.request_params
        share = _share(self.ram_backend, params.get("resourceShareArn"))
        resources = [r for r in params.get("resourceArns", []) if r not in share.resource_arns]
        principals = [p for p in params.get("principals", []) if p not in share.principals]
        share.add_resources(resources)
        share.add_principals(principals)
        out = [_association(share, r, "RESOURCE", "ASSOCIATED") for r in params.get("resourceArns", [])]
        out += [_association(share, p, "PRINCIPAL", "ASSOCIATED") for p in params.get("principals", [])]
        return json.dumps({"resourceShareAssociations": out, "clientToken": params.get("clientToken")})

    def disassociate_resource_share(self: Any) -> str:
        params = self.request_params
        share = _share(self.ram_backend, params.get("resourceShareArn"))
        out = []
        for resource in params.get("resourceArns", []):
            if resource in share.resource_arns:
                share.resource_arns.remove(resource)
            out.append(_association(share, resource, "RESOURCE", "DISASSOCIATED"))
        for principal in params.get("principals", []):
            if principal in share.principals:
                share.principals.remove(principal)
            out.append(_association(share, principal, "PRINCIPAL", "DISASSOCIATED"))
        return json.dumps({"resourceShareAssociations": out, "clientToken": params.get("clientToken")})

    ResourceAccessManagerResponse.associate_resource_share = associate_resource_share  # type: ignore[attr-defined]
    ResourceAccessManagerResponse.disassociate_resource_share = disassociate_resource_share  # type: ignore[attr-defined]
    ResourceAccessManagerResponse.list_resource_share_permissions = list_resource_share_permissions  # type: ignore[attr-defined]
