# create = false: the module plans nothing and every output is null.
provider "aws" {}

module "eks" {
  source = "../.."

  create     = false
  name       = "mwaa-pods-disabled"
  subnet_ids = ["subnet-00000000000000001", "subnet-00000000000000002"]
}

output "cluster_name" {
  description = "Always null: nothing is created."
  value       = module.eks.cluster_name
}

output "k8s_bootstrap" {
  description = "Always null: nothing is created."
  value       = module.eks.k8s_bootstrap
}
