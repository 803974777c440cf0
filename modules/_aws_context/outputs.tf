output "account_id" {
  description = "Account id of the provider's credentials (\"\" when create = false)."
  value       = try(data.aws_caller_identity.current[0].account_id, "")
}

output "region" {
  description = "Region of the provider (\"\" when create = false)."
  value       = try(data.aws_region.current[0].name, "")
}

output "partition" {
  description = "Partition of the provider, e.g. aws, aws-us-gov (\"aws\" when create = false)."
  value       = try(data.aws_partition.current[0].partition, "aws")
}

output "dns_suffix" {
  description = "DNS suffix of the partition's service endpoints (\"amazonaws.com\" when create = false)."
  value       = try(data.aws_partition.current[0].dns_suffix, "amazonaws.com")
}
