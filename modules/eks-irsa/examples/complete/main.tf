# EKS for MWAA pods: a private cluster, two IRSA roles with bucket-scoped rights (the reader lists the source
# bucket, the writer puts listings into the destination bucket; each reads its bucket name from SSM), and
# the MWAA execution role allowed into one namespace. dags/eks_fine_grained.py runs against this layout.
provider "aws" {}

variable "name" {
  description = "Cluster name."
  type        = string
  default     = "mwaa-pods"
}

variable "subnet_ids" {
  description = "Two or more private subnets in different Availability Zones (e.g. the network module's private_subnet_ids)."
  type        = list(string)
}

variable "mwaa_execution_role_arn" {
  description = "The MWAA environment's execution role (e.g. the mwaa-environment module's execution_role_arn)."
  type        = string
}

variable "source_bucket" {
  description = "Bucket the reader pod lists."
  type        = string
}

variable "destination_bucket" {
  description = "Bucket the writer pod writes the listing to (under listings/)."
  type        = string
}

variable "namespace" {
  description = "Namespace the DAG's pods run in."
  type        = string
  default     = "airflow-pods"
}

variable "desired_nodes" {
  description = "Nodes at creation."
  type        = number
  default     = 2
}

variable "max_nodes" {
  description = "Upper bound for the cluster autoscaler."
  type        = number
  default     = 4
}

data "aws_partition" "current" {}

locals {
  parameter_prefix = "/mwaa-platform/${var.name}/eks"
  s3_arn           = "arn:${data.aws_partition.current.partition}:s3:::"
}

# The DAG's pods read these to find their buckets (the contract of dags/eks_fine_grained.py).
resource "aws_ssm_parameter" "source_bucket" {
  #checkov:skip=CKV2_AWS_34:a bucket name is not a secret; String keeps the reader's role free of kms:Decrypt
  name        = "${local.parameter_prefix}/source-bucket"
  description = "Bucket the s3-reader pod lists"
  type        = "String"
  value       = var.source_bucket
}

resource "aws_ssm_parameter" "destination_bucket" {
  #checkov:skip=CKV2_AWS_34:a bucket name is not a secret; String keeps the writer's role free of kms:Decrypt
  name        = "${local.parameter_prefix}/destination-bucket"
  description = "Bucket the s3-writer pod writes listings to"
  type        = "String"
  value       = var.destination_bucket
}

module "eks" {
  source = "../.."

  name       = var.name
  subnet_ids = var.subnet_ids

  # MWAA workers reach the API server inside the VPC; nothing else needs to.
  endpoint_access = { private = true, public = false }

  node_group = {
    instance_types = ["m6i.large"]
    min_size       = 1
    desired_size   = var.desired_nodes
    max_size       = var.max_nodes
    labels         = { workload = "airflow-pods" }
  }

  service_account_roles = {
    s3-reader = {
      namespace       = var.namespace
      service_account = "s3-reader"
      policy_statements = [
        {
          sid       = "SourceBucketName"
          actions   = ["ssm:GetParameter"]
          resources = [aws_ssm_parameter.source_bucket.arn]
        },
        {
          sid       = "ListSourceBucket"
          actions   = ["s3:ListBucket"]
          resources = ["${local.s3_arn}${var.source_bucket}"]
        },
      ]
    }
    s3-writer = {
      namespace       = var.namespace
      service_account = "s3-writer"
      policy_statements = [
        {
          sid       = "DestinationBucketName"
          actions   = ["ssm:GetParameter"]
          resources = [aws_ssm_parameter.destination_bucket.arn]
        },
        {
          sid       = "WriteListings"
          actions   = ["s3:PutObject"]
          resources = ["${local.s3_arn}${var.destination_bucket}/listings/*"]
        },
      ]
    }
  }

  mwaa_access = {
    execution_role_arn     = var.mwaa_execution_role_arn
    namespace              = var.namespace
    attach_describe_policy = true
  }

  tags = { example = "eks-irsa-complete" }
}

output "k8s_bootstrap" {
  description = "Input of `mwaa-platform k8s bootstrap --outputs <(terraform output -json)`."
  value       = module.eks.k8s_bootstrap
}

output "cluster_name" {
  description = "EKS cluster name (the DAG's cluster_name param)."
  value       = module.eks.cluster_name
}

output "service_account_role_arns" {
  description = "IRSA role per service account."
  value       = module.eks.service_account_role_arns
}

output "mwaa_describe_cluster_policy_arn" {
  description = "eks:DescribeCluster on this cluster only, attached to the execution role."
  value       = module.eks.mwaa_describe_cluster_policy_arn
}

output "bucket_parameters" {
  description = "SSM parameter names the pods read their buckets from."
  value = {
    source      = aws_ssm_parameter.source_bucket.name
    destination = aws_ssm_parameter.destination_bucket.name
  }
}
