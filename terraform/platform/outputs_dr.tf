output "dr_buckets" {
  description = "Primary workspace: the replicated bucket pairs { purpose = { primary, replica } } (null elsewhere)."
  value = module.dr_storage.primary_buckets == null ? null : {
    for k, b in module.dr_storage.primary_buckets : k => { primary = b.name, replica = module.dr_storage.replica_buckets[k].name }
  }
}

output "dr_replication" {
  description = "Primary workspace: source bucket -> destination (input of scripts/dr_initial_copy.py --pairs)."
  value       = module.dr_storage.replication
}

output "dr_failover_state_machine_arn" {
  description = "Secondary workspace: the failover state machine."
  value       = module.dr_failover.state_machine_arn
}

output "dr_failover_config" {
  description = "Secondary workspace: the failover configuration (also in SSM /mwaa-platform/<env>/failover/config)."
  value       = module.dr_failover.failover_config
  sensitive   = true
}

output "dr_failover_topic_arn" {
  description = "Secondary workspace: SNS topic of failover transitions and alerts."
  value       = module.dr_failover.topic_arn
}

output "dr_environment_settings" {
  description = "What this region's MWAA environment needs for the DR DAGs: airflow_configuration_options and execution role statements (the secondary's restore callback is the separate policy dr-restore-callback)."
  value       = local.dr_environment_settings
}
