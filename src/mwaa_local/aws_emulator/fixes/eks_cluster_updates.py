"""Gap: moto's UpdateClusterConfig answers with the cluster instead of an ``update``, replaces the whole
resourcesVpcConfig with the partial one sent (dropping the subnets), and DescribeUpdate does not exist, so
Terraform cannot change a cluster's logging, endpoint access or authentication mode, nor a node group's
sizes (it waits on DescribeUpdate). Fix: UpdateClusterConfig merges the VPC config, passes accessConfig on
(see eks_access_config) and answers a Successful update; cluster and node-group updates are recorded on the
cluster and DescribeUpdate serves them (404 for an unknown id, as EKS)."""

from __future__ import annotations

import uuid
from typing import Any

# request field -> (update type, [(param type, field inside the request value)])
_CLUSTER_UPDATE_TYPES: dict[str, tuple[str, list[tuple[str, str]]]] = {
    "resourcesVpcConfig": ("EndpointAccessUpdate", [("EndpointPrivateAccess", "endpointPrivateAccess"),
                                                    ("EndpointPublicAccess", "endpointPublicAccess"),
                                                    ("PublicAccessCidrs", "publicAccessCidrs")]),
    "logging": ("LoggingUpdate", [("ClusterLogging", "clusterLogging")]),
    "accessConfig": ("AccessConfigUpdate", [("AuthenticationMode", "authenticationMode")]),
}


def _updates(cluster: Any) -> dict[str, dict[str, Any]]:
    if "updates" not in vars(cluster):
        cluster.updates = {}
    store: dict[str, dict[str, Any]] = cluster.updates
    return store


def _record(cluster: Any, update: dict[str, Any], nodegroup: str | None = None) -> dict[str, Any]:
    _updates(cluster)[update["id"]] = {**update, "_nodegroup": nodegroup}
    return update


def cluster_update(request: dict[str, Any]) -> dict[str, Any]:
    """The Update record EKS returns for an UpdateClusterConfig request body."""
    from moto.core.utils import utcnow

    kind = "ConfigUpdate"
    params: list[dict[str, str]] = []
    for field, (update_type, param_fields) in _CLUSTER_UPDATE_TYPES.items():
        value = request.get(field)
        if not value:
            continue
        kind = update_type
        for param_type, key in param_fields:
            if isinstance(value, dict) and key in value:
                params.append({"type": param_type, "value": str(value[key])})
    return {"id": str(uuid.uuid4()), "status": "Successful", "type": kind, "params": params,
            "createdAt": utcnow(), "errors": []}


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.eks.exceptions import ResourceNotFoundException
    from moto.eks.models import EKSBackend
    from moto.eks.responses import EKSResponse

    if getattr(EKSResponse.update_cluster_config, "_mwaa_platform_fixed", False):
        return
    original_nodegroup_update = EKSBackend.update_nodegroup_config

    def update_cluster_config(self: Any) -> Any:
        name = self._get_param("name")
        cluster = self.eks_backend.describe_cluster(name=name)  # 404 for an unknown cluster
        request = {field: self._get_param(field) for field in ("resourcesVpcConfig", "logging", "accessConfig")}
        vpc = request["resourcesVpcConfig"]
        kwargs: dict[str, Any] = {
            "name": name,
            "resources_vpc_config": {**cluster.resources_vpc_config, **vpc} if vpc else None,
            "logging": request["logging"],
            "client_request_token": self._get_param("clientRequestToken"),
            "kubernetes_network_config": self._get_param("kubernetesNetworkConfig"),
            "remote_network_config": self._get_param("remoteNetworkConfig"),
        }
        if request["accessConfig"]:
            kwargs["access_config"] = request["accessConfig"]
        self.eks_backend.update_cluster_config(**kwargs)
        return ActionResult({"update": _record(cluster, cluster_update(request))})

    def update_nodegroup_config(self: Any, cluster_name: str, nodegroup_name: str, *args: Any,
                                **kwargs: Any) -> dict[str, Any]:
        update: dict[str, Any] = original_nodegroup_update(self, cluster_name, nodegroup_name, *args, **kwargs)
        return _record(self.clusters[cluster_name], update, nodegroup_name)

    def describe_update(self: Any) -> Any:
        name = self._get_param("name")
        update_id = self._get_param("updateId")
        nodegroup = self._get_param("nodegroupName")
        cluster = self.eks_backend.describe_cluster(name=name)
        update = _updates(cluster).get(update_id)
        if update is None or update["_nodegroup"] != (nodegroup or None):
            raise ResourceNotFoundException(clusterName=name, nodegroupName=nodegroup, fargateProfileName=None,
                                            addonName=None, message=f"No update found for ID: {update_id}.")
        return ActionResult({"update": {k: v for k, v in update.items() if not k.startswith("_")}})

    update_cluster_config._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    EKSResponse.update_cluster_config = update_cluster_config  # type: ignore[method-assign]
    EKSResponse.describe_update = describe_update  # type: ignore[attr-defined]
    EKSBackend.update_nodegroup_config = update_nodegroup_config  # type: ignore[method-assign]

    from moto.eks import urls

    urls.url_paths["{0}/clusters/(?P<name>[^/]+)/updates/(?P<updateId>[^/]+)$"] = EKSResponse.dispatch
