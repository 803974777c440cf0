# The module's promises, checked offline against a mocked AWS provider: IRSA trust pinned to one service
# account and the STS audience, no wildcard actions, MWAA confined to one namespace, secrets encrypted,
# control-plane logs on, private endpoint by default.

mock_provider "aws" {
  source = "../_testing/mocks/aws"
  mock_data "aws_caller_identity" {
    defaults = { account_id = "123456789012" }
  }
  mock_resource "aws_eks_cluster" {
    defaults = {
      arn      = "arn:aws:eks:us-east-1:123456789012:cluster/mwaa-pods"
      endpoint = "https://EXAMPLE0123456789.gr7.us-east-1.eks.amazonaws.com"
      identity = [{ oidc = [{ issuer = "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE" }] }]
    }
  }
}

variables {
  name       = "mwaa-pods"
  subnet_ids = ["subnet-0a1b2c3d4e5f60001", "subnet-0a1b2c3d4e5f60002"]
  service_account_roles = {
    s3-reader = {
      namespace       = "airflow-pods"
      service_account = "s3-reader"
      policy_statements = [{
        actions   = ["s3:ListBucket"]
        resources = ["arn:aws:s3:::source-bucket"]
      }]
    }
    s3-writer = {
      namespace       = "airflow-pods"
      service_account = "s3-writer"
      policy_statements = [{
        sid       = "WriteListings"
        actions   = ["s3:PutObject"]
        resources = ["arn:aws:s3:::destination-bucket/listings/*"]
        conditions = [
          { test = "StringEquals", variable = "s3:x-amz-server-side-encryption", values = ["aws:kms"] },
          { test = "Bool", variable = "aws:SecureTransport", values = ["true"] },
        ]
      }]
      policy_arns = ["arn:aws:iam::123456789012:policy/extra-read"]
    }
    batch = {
      namespace       = "batch-jobs"
      service_account = "spark.driver"
      policy_arns     = ["arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]
    }
  }
  mwaa_access = {
    execution_role_arn = "arn:aws:iam::123456789012:role/service-role/mwaa-exec"
    namespace          = "airflow-pods"
  }
}

run "cluster_is_private_encrypted_logged_and_api_only" {
  command = plan

  assert {
    condition     = aws_eks_cluster.this[0].vpc_config[0].endpoint_private_access && !aws_eks_cluster.this[0].vpc_config[0].endpoint_public_access
    error_message = "The API endpoint must be private only by default."
  }
  assert {
    condition     = aws_eks_cluster.this[0].access_config[0].authentication_mode == "API"
    error_message = "Authentication must be access entries only (API): no aws-auth ConfigMap."
  }
  assert {
    condition     = one(aws_eks_cluster.this[0].encryption_config[0].resources) == "secrets"
    error_message = "Kubernetes secrets must be envelope-encrypted with KMS."
  }
  assert {
    condition     = length(aws_eks_cluster.this[0].enabled_cluster_log_types) == 5
    error_message = "All five control-plane log types must be enabled by default."
  }
  assert {
    condition     = aws_cloudwatch_log_group.cluster[0].name == "/aws/eks/mwaa-pods/cluster" && aws_cloudwatch_log_group.cluster[0].retention_in_days == 365
    error_message = "The control-plane log group must be pre-created with a retention."
  }
  assert {
    condition     = module.kms.rotation_enabled
    error_message = "The module's KMS key must rotate."
  }
  assert {
    condition     = aws_eks_node_group.this[0].scaling_config[0].min_size == 1 && aws_eks_node_group.this[0].scaling_config[0].max_size == 3 && aws_eks_node_group.this[0].scaling_config[0].desired_size == 2
    error_message = "Node group sizes must come from var.node_group."
  }
  assert {
    condition     = length(aws_eks_node_group.this[0].remote_access) == 0
    error_message = "Nodes must not take SSH (no remote_access)."
  }
}

run "mwaa_gets_one_namespace_only" {
  command = plan

  assert {
    condition     = aws_eks_access_entry.mwaa[0].type == "STANDARD" && aws_eks_access_entry.mwaa[0].principal_arn == var.mwaa_access.execution_role_arn
    error_message = "The MWAA execution role must get a STANDARD access entry."
  }
  assert {
    condition     = aws_eks_access_entry.mwaa[0].kubernetes_groups == toset(["mwaa-pod-operators"])
    error_message = "The access entry must map MWAA to the mwaa-pod-operators group only (never system:masters)."
  }
  assert {
    condition     = aws_eks_access_policy_association.mwaa[0].access_scope[0].type == "namespace" && aws_eks_access_policy_association.mwaa[0].access_scope[0].namespaces == toset(["airflow-pods"])
    error_message = "The access policy must be scoped to the MWAA namespace."
  }
  assert {
    condition     = aws_eks_access_policy_association.mwaa[0].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSViewPolicy"
    error_message = "MWAA gets the view policy by default (pod rights come from the bootstrap Role), never an admin policy."
  }
  assert {
    condition     = length(aws_iam_role_policy_attachment.mwaa_describe_cluster) == 0
    error_message = "The describe policy is attached only when mwaa_access.attach_describe_policy is true."
  }
}

run "trust_pins_sub_and_aud_for_every_role" {
  command = apply

  assert {
    condition     = length(aws_iam_role.irsa) == 3
    error_message = "One IRSA role per service_account_roles entry."
  }
  assert {
    condition = alltrue(flatten([for key, role in aws_iam_role.irsa : concat(
      [length(jsondecode(role.assume_role_policy).Statement) == 1],
      flatten([for s in jsondecode(role.assume_role_policy).Statement : [
        s.Condition.StringEquals["oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:sub"] == "system:serviceaccount:${var.service_account_roles[key].namespace}:${var.service_account_roles[key].service_account}",
        s.Condition.StringEquals["oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE:aud"] == "sts.amazonaws.com",
        length(s.Condition.StringEquals) == 2,
        s.Action == "sts:AssumeRoleWithWebIdentity",
        s.Principal.Federated == aws_iam_openid_connect_provider.this[0].arn,
      ]]),
    )]))
    error_message = "Every IRSA trust statement must pin <issuer>:sub to its own service account and <issuer>:aud to sts.amazonaws.com."
  }
  assert {
    condition     = aws_iam_openid_connect_provider.this[0].client_id_list == toset(["sts.amazonaws.com"]) && aws_iam_openid_connect_provider.this[0].url == "https://oidc.eks.us-east-1.amazonaws.com/id/EXAMPLED539D4633E53DE1B71EXAMPLE"
    error_message = "The OIDC provider must be the cluster's issuer with audience sts.amazonaws.com."
  }
  assert {
    condition     = output.k8s_bootstrap.namespaces == tolist(["airflow-pods", "batch-jobs"]) && output.k8s_bootstrap.mwaa.kubernetes_group == "mwaa-pod-operators" && output.k8s_bootstrap.service_accounts["s3-reader"].service_account == "s3-reader"
    error_message = "k8s_bootstrap must carry the namespaces, service accounts and MWAA group the bootstrap creates."
  }
}

run "no_wildcard_actions_anywhere" {
  command = apply

  assert {
    condition = alltrue(flatten([for doc in concat(
      [for r in aws_iam_role_policy.irsa : r.policy],
      [aws_iam_role_policy.cluster_kms[0].policy, aws_iam_policy.mwaa_describe_cluster[0].policy],
      [for r in aws_iam_role.irsa : r.assume_role_policy],
      [aws_iam_role.cluster[0].assume_role_policy, aws_iam_role.node[0].assume_role_policy],
      ) : [for s in jsondecode(doc).Statement : [for a in flatten([s.Action]) : a != "*" && !endswith(a, ":*")]]
    ]))
    error_message = "No IAM policy or trust policy may allow \"*\" or \"service:*\"."
  }
  assert {
    condition     = jsondecode(aws_iam_policy.mwaa_describe_cluster[0].policy).Statement[0].Action == ["eks:DescribeCluster"] && jsondecode(aws_iam_policy.mwaa_describe_cluster[0].policy).Statement[0].Resource == "arn:aws:eks:us-east-1:123456789012:cluster/mwaa-pods"
    error_message = "MWAA's IAM policy is eks:DescribeCluster on this cluster's ARN only."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.cluster_kms[0].policy).Statement[0].Resource == module.kms.arn
    error_message = "The control plane may use the secrets key only."
  }
  assert {
    condition     = jsondecode(aws_iam_role_policy.irsa["s3-writer"].policy).Statement[0].Condition == { StringEquals = { "s3:x-amz-server-side-encryption" = ["aws:kms"] }, Bool = { "aws:SecureTransport" = ["true"] } }
    error_message = "Statement conditions must be grouped by test into the policy's Condition block."
  }
  assert {
    condition     = toset(keys(aws_iam_role_policy_attachment.irsa)) == toset(["s3-writer/arn:aws:iam::123456789012:policy/extra-read", "batch/arn:aws:iam::aws:policy/AmazonS3ReadOnlyAccess"]) && !contains(keys(aws_iam_role_policy.irsa), "batch")
    error_message = "policy_arns become attachments; a role without statements gets no inline policy."
  }
}

run "edit_policy_public_endpoint_and_attached_describe_policy" {
  command = plan

  variables {
    endpoint_access = { private = true, public = true, public_access_cidrs = ["203.0.113.0/24"] }
    mwaa_access = {
      execution_role_arn     = "arn:aws:iam::123456789012:role/service-role/mwaa-exec"
      namespace              = "team-a"
      access_policy          = "AmazonEKSEditPolicy"
      attach_describe_policy = true
    }
  }

  assert {
    condition     = aws_eks_cluster.this[0].vpc_config[0].public_access_cidrs == toset(["203.0.113.0/24"])
    error_message = "A public endpoint is limited to the given CIDRs."
  }
  assert {
    condition     = aws_eks_access_policy_association.mwaa[0].policy_arn == "arn:aws:eks::aws:cluster-access-policy/AmazonEKSEditPolicy" && aws_eks_access_policy_association.mwaa[0].access_scope[0].namespaces == toset(["team-a"])
    error_message = "The edit policy, when chosen, is still namespace-scoped."
  }
  assert {
    condition     = aws_iam_role_policy_attachment.mwaa_describe_cluster[0].role == "mwaa-exec"
    error_message = "attach_describe_policy attaches to the role named by the execution role ARN (path stripped)."
  }
}

run "own_kms_key_and_no_mwaa" {
  command = plan

  variables {
    kms_key_arn = "arn:aws:kms:us-east-1:123456789012:key/11111111-2222-3333-4444-555555555555"
    mwaa_access = null
  }

  assert {
    condition     = module.kms.alias_name == null && aws_eks_cluster.this[0].encryption_config[0].provider[0].key_arn == var.kms_key_arn
    error_message = "A given key is used and none is created."
  }
  assert {
    condition     = length(aws_eks_access_entry.mwaa) == 0 && length(aws_eks_access_policy_association.mwaa) == 0 && output.mwaa_describe_cluster_policy_arn == null
    error_message = "Without mwaa_access, MWAA gets nothing."
  }
}
