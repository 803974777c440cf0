"""Gap: moto ignores CreateCluster's ``accessConfig`` and DescribeCluster returns none, so Terraform sees
aws_eks_cluster.access_config vanish after every apply and plans to replace the cluster. Fix: store the
access config on the cluster (EKS defaults: authenticationMode CONFIG_MAP, creator admin true), return it
from every cluster response, and let UpdateClusterConfig change the mode along EKS's one-way path
CONFIG_MAP -> API_AND_CONFIG_MAP -> API (any other change is rejected as EKS rejects it)."""

from __future__ import annotations

from typing import Any

MODES = ("CONFIG_MAP", "API_AND_CONFIG_MAP", "API")


def _invalid(message: str) -> Exception:
    from moto.eks.exceptions import InvalidParameterException

    return InvalidParameterException(clusterName=None, nodegroupName=None, fargateProfileName=None,
                                     addonName=None, message=message)


def normalise(access_config: dict[str, Any] | None) -> dict[str, Any]:
    """The stored form of a CreateCluster ``accessConfig`` (EKS's defaults filled in)."""
    access_config = access_config or {}
    mode = access_config.get("authenticationMode") or "CONFIG_MAP"
    if mode not in MODES:
        raise _invalid(f"authenticationMode must be one of {', '.join(MODES)}, got {mode!r}")
    bootstrap = access_config.get("bootstrapClusterCreatorAdminPermissions")
    return {"authenticationMode": mode,
            "bootstrapClusterCreatorAdminPermissions": True if bootstrap is None else bool(bootstrap)}


def change_mode(current: dict[str, Any], requested: dict[str, Any]) -> dict[str, Any]:
    """The access config after an UpdateClusterConfig; only forward moves along MODES are allowed."""
    mode = requested.get("authenticationMode")
    if not mode or mode == current["authenticationMode"]:
        return current
    if mode not in MODES:
        raise _invalid(f"authenticationMode must be one of {', '.join(MODES)}, got {mode!r}")
    if MODES.index(mode) < MODES.index(current["authenticationMode"]):
        raise _invalid(f"Unsupported authentication mode update from {current['authenticationMode']} to {mode}")
    return {**current, "authenticationMode": mode}


def apply() -> None:
    from moto.core.responses import ActionResult
    from moto.eks.models import Cluster, EKSBackend
    from moto.eks.responses import EKSResponse

    if getattr(EKSBackend.create_cluster, "_mwaa_platform_fixed", False):
        return
    original_create = EKSBackend.create_cluster
    original_update = EKSBackend.update_cluster_config

    def create_cluster(self: Any, *args: Any, access_config: dict[str, Any] | None = None, **kwargs: Any) -> Any:
        stored = normalise(access_config)  # validate before anything is created
        cluster = original_create(self, *args, **kwargs)
        cluster.access_config = stored  # type: ignore[attr-defined]
        return cluster

    def update_cluster_config(self: Any, name: str, *args: Any, access_config: dict[str, Any] | None = None,
                              **kwargs: Any) -> Any:
        cluster = self.clusters.get(name)
        new_config = change_mode(cluster.access_config, access_config) if cluster and access_config else None
        cluster = original_update(self, name, *args, **kwargs)
        if new_config is not None:
            cluster.access_config = new_config  # type: ignore[attr-defined]
        return cluster

    def response_create_cluster(self: Any) -> Any:
        # moto's handler drops accessConfig: the same call, with it passed through
        cluster = self.eks_backend.create_cluster(
            name=self._get_param("name"),
            version=self._get_param("version"),
            role_arn=self._get_param("roleArn"),
            resources_vpc_config=self._get_param("resourcesVpcConfig"),
            kubernetes_network_config=self._get_param("kubernetesNetworkConfig"),
            logging=self._get_param("logging"),
            client_request_token=self._get_param("clientRequestToken"),
            tags=self._get_param("tags"),
            encryption_config=self._get_param("encryptionConfig"),
            remote_network_config=self._get_param("remoteNetworkConfig"),
            access_config=self._get_param("accessConfig"),
        )
        return ActionResult({"cluster": cluster})

    create_cluster._mwaa_platform_fixed = True  # type: ignore[attr-defined]
    EKSBackend.create_cluster = create_cluster  # type: ignore[method-assign]
    EKSBackend.update_cluster_config = update_cluster_config  # type: ignore[method-assign]
    EKSResponse.create_cluster = response_create_cluster  # type: ignore[method-assign]
    # clusters created before the fix (none in practice) still describe with EKS's defaults
    Cluster.access_config = normalise(None)  # type: ignore[attr-defined]
