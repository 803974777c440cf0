variable "dag_invokers" {
  description = <<-EOT
    DAG invokers (modules/dag-invokers) for this stack's environment in the primary region: flows (flow id -> DAG,
    EventBridge Scheduler expression, conf) and s3_trigger (objects created under a key prefix of an existing
    bucket start the mapped DAG). Primary only: a schedule in the secondary would queue runs in the paused standby
    that all start when a failover unpauses it; after a failover, make the secondary the primary_region and apply.
    in_vpc runs the functions in the environment's subnets with its security group; reserved_concurrency and
    log_retention_in_days left null take the defaults of modules/dag-invokers and modules/_lambda (5, 365 days).
  EOT
  type = object({
    enabled = optional(bool, false)
    flows = optional(map(object({
      dag_id                  = string
      schedule_expression     = string
      timezone                = optional(string)
      conf                    = optional(map(string))
      description             = optional(string)
      enabled                 = optional(bool)
      flexible_window_minutes = optional(number)
    })), {})
    s3_trigger = optional(object({
      bucket_name                = optional(string)
      notification               = optional(string)
      manage_bucket_notification = optional(bool)
      routes = optional(map(object({
        dag_id = string
        conf   = optional(map(string))
      })), {})
    }), {})
    in_vpc                = optional(bool, false)
    reserved_concurrency  = optional(number)
    log_retention_in_days = optional(number)
  })
  default  = {}
  nullable = false

  validation {
    condition     = !var.dag_invokers.enabled || var.mwaa.enabled
    error_message = "dag_invokers.enabled = true triggers DAGs in this stack's MWAA environment, and mwaa.enabled is false: set mwaa.enabled = true, or dag_invokers = { enabled = false }."
  }

  validation {
    condition     = !var.dag_invokers.enabled || length(var.dag_invokers.flows) + length(var.dag_invokers.s3_trigger.routes) > 0
    error_message = "dag_invokers.enabled = true needs something to invoke: flows = { daily = { dag_id = \"my_dag\", schedule_expression = \"cron(0 6 * * ? *)\" } } and/or s3_trigger = { bucket_name = \"...\", routes = { \"incoming/\" = { dag_id = \"my_dag\" } } }."
  }
}
