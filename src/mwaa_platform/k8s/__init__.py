"""In-cluster objects for IRSA service accounts on EKS, created with the ``kubernetes`` client.

- :mod:`.eks_token`: an EKS bearer token presigned from STS GetCallerIdentity, as ``aws eks get-token`` makes it.
- :mod:`.spec`: what to create, read from the eks-irsa module's ``k8s_bootstrap`` Terraform output.
- :mod:`.manifests`: Namespace, ServiceAccount (role-ARN annotation), Role + RoleBinding for MWAA.
- :mod:`.eks_client`: a ``kubernetes`` ApiClient for a cluster (endpoint and CA from DescribeCluster).
- :mod:`.apply`: idempotent create-or-patch.

No kubeconfig is written anywhere: the token lives in memory and the CA bundle in a private temp file.
"""
