################################################################################
# Context
################################################################################

module "context" {
  source = "../_aws_context"
  create = var.create
}

locals {
  partition  = module.context.partition
  region     = module.context.region
  account_id = module.context.account_id
  dns_suffix = module.context.dns_suffix

  create_kms_key = var.create && var.kms_key_arn == null
  kms_key_arn    = var.create ? coalesce(var.kms_key_arn, module.kms.arn) : null

  log_group_name = "/aws/eks/${var.name}/cluster"
  log_group_arn  = "arn:${local.partition}:logs:${local.region}:${local.account_id}:log-group:${local.log_group_name}"

  # The issuer without its scheme is the condition-key prefix in web-identity trust policies.
  oidc_issuer_url  = try(aws_eks_cluster.this[0].identity[0].oidc[0].issuer, null)
  oidc_issuer_host = local.oidc_issuer_url == null ? null : trimprefix(local.oidc_issuer_url, "https://")

  service_account_roles = var.create ? var.service_account_roles : {}
  policy_attachments = merge([for key, role in local.service_account_roles : {
    for arn in role.policy_arns : "${key}/${arn}" => { role = key, policy_arn = arn }
  }]...)

  create_mwaa_access = var.create && var.mwaa_access != null

  tags = merge(var.tags, { "mwaa-platform:module" = "eks-irsa" })
}

################################################################################
# KMS: Kubernetes secrets and control-plane logs
################################################################################

module "kms" {
  source = "../_kms"
  create = local.create_kms_key

  alias                   = "${var.name}-eks"
  description             = "EKS ${var.name}: Kubernetes secrets envelope encryption and control-plane logs"
  deletion_window_in_days = var.kms_deletion_window_in_days
  admin = {
    sid = "AccountAdministersKey"
    actions = [
      "kms:CancelKeyDeletion", "kms:Create*", "kms:Delete*", "kms:Describe*", "kms:Disable*", "kms:Enable*",
      "kms:Get*", "kms:List*", "kms:Put*", "kms:Revoke*", "kms:RotateKeyOnDemand", "kms:ScheduleKeyDeletion",
      "kms:TagResource", "kms:UntagResource", "kms:Update*",
    ]
  }
  logs = { sid = "ControlPlaneLogGroupOnly", log_group_arns = local.log_group_arn }
  statements = [{
    Sid       = "AccountIamPoliciesGrantUse"
    Effect    = "Allow"
    Principal = { AWS = "arn:${local.partition}:iam::${local.account_id}:root" }
    Action    = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:GenerateDataKey*", "kms:ReEncrypt*"]
    Resource  = "*"
  }]
  tags = merge(local.tags, { Name = "${var.name}-eks" })
}

moved {
  from = aws_kms_key.this
  to   = module.kms.aws_kms_key.this
}

moved {
  from = aws_kms_alias.this
  to   = module.kms.aws_kms_alias.this
}

################################################################################
# Control-plane logs (created first, so EKS does not create an unencrypted, never-expiring group)
################################################################################

resource "aws_cloudwatch_log_group" "cluster" {
  count = var.create ? 1 : 0

  name              = local.log_group_name
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn

  tags = local.tags
}

################################################################################
# Cluster IAM role
################################################################################

resource "aws_iam_role" "cluster" {
  count = var.create ? 1 : 0

  name                  = "${var.name}-eks-cluster"
  description           = "EKS control plane of ${var.name}"
  force_detach_policies = true

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "EksControlPlane"
      Effect    = "Allow"
      Principal = { Service = "eks.${local.dns_suffix}" }
      Action    = ["sts:AssumeRole", "sts:TagSession"]
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "cluster" {
  count = var.create ? 1 : 0

  role       = aws_iam_role.cluster[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/AmazonEKSClusterPolicy"
}

# Envelope encryption of secrets: the control plane uses the key through its role, on this key only.
resource "aws_iam_role_policy" "cluster_kms" {
  count = var.create ? 1 : 0

  name = "secrets-encryption"
  role = aws_iam_role.cluster[0].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "SecretsEnvelopeEncryption"
      Effect   = "Allow"
      Action   = ["kms:Decrypt", "kms:DescribeKey", "kms:Encrypt", "kms:ListGrants"]
      Resource = local.kms_key_arn
    }]
  })
}

################################################################################
# Cluster
################################################################################

resource "aws_eks_cluster" "this" {
  count = var.create ? 1 : 0

  name                      = var.name
  role_arn                  = aws_iam_role.cluster[0].arn
  version                   = var.kubernetes_version
  enabled_cluster_log_types = var.cluster_log_types

  # Access entries only: no aws-auth ConfigMap to edit, no way to map a role to system:masters.
  access_config {
    authentication_mode                         = "API"
    bootstrap_cluster_creator_admin_permissions = var.cluster_creator_admin
  }

  vpc_config {
    subnet_ids              = var.subnet_ids
    security_group_ids      = var.security_group_ids
    endpoint_private_access = var.endpoint_access.private
    endpoint_public_access  = var.endpoint_access.public
    public_access_cidrs     = var.endpoint_access.public ? var.endpoint_access.public_access_cidrs : null
  }

  encryption_config {
    resources = ["secrets"]
    provider {
      key_arn = local.kms_key_arn
    }
  }

  tags = merge(local.tags, { Name = var.name })

  depends_on = [
    aws_iam_role_policy_attachment.cluster,
    aws_iam_role_policy.cluster_kms,
    aws_cloudwatch_log_group.cluster,
  ]
}

################################################################################
# Managed node group
################################################################################

resource "aws_iam_role" "node" {
  count = var.create ? 1 : 0

  name                  = "${var.name}-eks-node"
  description           = "Nodes of the ${var.name} managed node group"
  force_detach_policies = true

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "Ec2Nodes"
      Effect    = "Allow"
      Principal = { Service = "ec2.${local.dns_suffix}" }
      Action    = "sts:AssumeRole"
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "node" {
  for_each = toset(var.create ? ["AmazonEKSWorkerNodePolicy", "AmazonEKS_CNI_Policy", "AmazonEC2ContainerRegistryReadOnly"] : [])

  role       = aws_iam_role.node[0].name
  policy_arn = "arn:${local.partition}:iam::aws:policy/${each.value}"
}

resource "aws_eks_node_group" "this" {
  count = var.create ? 1 : 0

  cluster_name    = aws_eks_cluster.this[0].name
  node_group_name = var.node_group.name
  node_role_arn   = aws_iam_role.node[0].arn
  subnet_ids      = coalesce(var.node_group.subnet_ids, var.subnet_ids)

  instance_types = var.node_group.instance_types
  capacity_type  = var.node_group.capacity_type
  ami_type       = var.node_group.ami_type
  disk_size      = var.node_group.disk_size
  labels         = var.node_group.labels

  scaling_config {
    min_size     = var.node_group.min_size
    max_size     = var.node_group.max_size
    desired_size = var.node_group.desired_size
  }

  # No remote_access block: nodes take no SSH; use SSM Session Manager when a node must be inspected.

  tags = local.tags

  lifecycle {
    # The cluster autoscaler moves desired_size; Terraform owns min and max.
    ignore_changes = [scaling_config[0].desired_size]
  }

  depends_on = [aws_iam_role_policy_attachment.node]
}

################################################################################
# OIDC provider (IRSA)
################################################################################

resource "aws_iam_openid_connect_provider" "this" {
  count = var.create ? 1 : 0

  url             = aws_eks_cluster.this[0].identity[0].oidc[0].issuer
  client_id_list  = ["sts.amazonaws.com"]
  thumbprint_list = length(var.oidc_thumbprints) > 0 ? var.oidc_thumbprints : null

  tags = merge(local.tags, { Name = "${var.name}-eks-irsa" })
}

################################################################################
# IRSA roles: one per service account, trust pinned to that service account and the STS audience
################################################################################

resource "aws_iam_role" "irsa" {
  for_each = local.service_account_roles

  name                  = "${var.name}-irsa-${each.key}"
  description           = "IRSA: system:serviceaccount:${each.value.namespace}:${each.value.service_account} on ${var.name}"
  force_detach_policies = true

  assume_role_policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid       = "ServiceAccountWebIdentity"
      Effect    = "Allow"
      Principal = { Federated = aws_iam_openid_connect_provider.this[0].arn }
      Action    = "sts:AssumeRoleWithWebIdentity"
      Condition = {
        StringEquals = {
          "${local.oidc_issuer_host}:sub" = "system:serviceaccount:${each.value.namespace}:${each.value.service_account}"
          "${local.oidc_issuer_host}:aud" = "sts.amazonaws.com"
        }
      }
    }]
  })

  tags = merge(local.tags, {
    "mwaa-platform:namespace"       = each.value.namespace
    "mwaa-platform:service-account" = each.value.service_account
  })
}

resource "aws_iam_role_policy" "irsa" {
  for_each = { for key, role in local.service_account_roles : key => role if length(role.policy_statements) > 0 }

  name = "service-account"
  role = aws_iam_role.irsa[each.key].id

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [for s in each.value.policy_statements : merge(
      {
        Effect   = s.effect
        Action   = s.actions
        Resource = s.resources
      },
      s.sid == null ? {} : { Sid = s.sid },
      length(s.conditions) == 0 ? {} : {
        Condition = { for test in distinct([for c in s.conditions : c.test]) : test => {
          for c in s.conditions : c.variable => c.values if c.test == test
        } }
      },
    )]
  })
}

resource "aws_iam_role_policy_attachment" "irsa" {
  for_each = local.policy_attachments

  role       = aws_iam_role.irsa[each.value.role].name
  policy_arn = each.value.policy_arn
}

################################################################################
# MWAA access: one namespace, through an access entry (never aws-auth, never cluster-admin)
################################################################################

resource "aws_eks_access_entry" "mwaa" {
  count = local.create_mwaa_access ? 1 : 0

  cluster_name      = aws_eks_cluster.this[0].name
  principal_arn     = var.mwaa_access.execution_role_arn
  type              = "STANDARD"
  kubernetes_groups = [var.mwaa_access.kubernetes_group]

  tags = local.tags
}

resource "aws_eks_access_policy_association" "mwaa" {
  count = local.create_mwaa_access ? 1 : 0

  cluster_name  = aws_eks_cluster.this[0].name
  principal_arn = aws_eks_access_entry.mwaa[0].principal_arn
  policy_arn    = "arn:${local.partition}:eks::aws:cluster-access-policy/${var.mwaa_access.access_policy}"

  access_scope {
    type       = "namespace"
    namespaces = [var.mwaa_access.namespace]
  }
}

# EksPodOperator builds its kubeconfig from DescribeCluster: that call, on this cluster, is all MWAA needs.
resource "aws_iam_policy" "mwaa_describe_cluster" {
  count = local.create_mwaa_access ? 1 : 0

  name        = "${var.name}-mwaa-describe-cluster"
  description = "MWAA execution role: eks:DescribeCluster on ${var.name} only"

  policy = jsonencode({
    Version = "2012-10-17"
    Statement = [{
      Sid      = "DescribeThisClusterOnly"
      Effect   = "Allow"
      Action   = ["eks:DescribeCluster"]
      Resource = aws_eks_cluster.this[0].arn
    }]
  })

  tags = local.tags
}

resource "aws_iam_role_policy_attachment" "mwaa_describe_cluster" {
  count = local.create_mwaa_access && try(var.mwaa_access.attach_describe_policy, false) ? 1 : 0

  role       = element(split("/", var.mwaa_access.execution_role_arn), length(split("/", var.mwaa_access.execution_role_arn)) - 1)
  policy_arn = aws_iam_policy.mwaa_describe_cluster[0].arn
}
