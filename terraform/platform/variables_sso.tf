variable "sso" {
  description = <<-EOT
    Single sign-on to this stack's Airflow UI (modules/sso-alb): an ALB in the environment's VPC signs users in
    with your OpenID Connect provider and opens the environment with their granted Airflow role. Built in every
    region that runs the environment or its backup_restore recovery kit, so the secondary is ready when a failover
    brings the environment there. certificate_arns: region -> ACM (or IAM server) certificate of that region's
    listener. oidc: the IdP (client_secret_arns: region -> Secrets Manager secret of the client secret, or pass
    sso_oidc_client_secret instead). allowed_roles: the Airflow roles that may ever be granted. host_headers:
    region -> host names that open the environment at "/". ingress_cidr_blocks: who reaches the ALB on 443 ([]:
    the VPC's CIDR). internal = false puts it into the public subnets (needs networks[*].public_subnets; the module's WAF web ACL guards the ALB either way).
    Grants: `mwaa-platform sso grant --table <output sso.table_name> ...`.
  EOT
  type = object({
    enabled          = optional(bool, false)
    certificate_arns = optional(map(string), {})
    oidc = optional(object({
      issuer                 = string
      authorization_endpoint = string
      token_endpoint         = string
      user_info_endpoint     = string
      client_id              = string
      client_secret_arns     = optional(map(string), {})
      client_secret_json_key = optional(string)
      scope                  = optional(string)
      session_timeout        = optional(number)
      logout_url             = optional(string)
    }))
    claims = optional(object({
      user   = optional(string)
      groups = optional(string)
    }), {})
    allowed_roles       = optional(list(string), ["Admin", "Op", "User", "Viewer"])
    host_headers        = optional(map(list(string)), {})
    internal            = optional(bool, true)
    ingress_cidr_blocks = optional(list(string), [])
    log_retention_days  = optional(number, 365)
    deletion_protection = optional(bool, true)
    force_destroy_logs  = optional(bool, false)
    key_url_base        = optional(string)
  })
  # deletion_protection spelled out so that static scanners (checkov) resolve it through the module call
  default  = { enabled = false, deletion_protection = true }
  nullable = false

  validation {
    condition     = !var.sso.enabled || var.mwaa.enabled
    error_message = "sso.enabled = true signs users into this stack's MWAA environment, and mwaa.enabled is false: set mwaa.enabled = true, or sso = { enabled = false }."
  }

  validation {
    condition     = !var.sso.enabled || var.sso.oidc != null
    error_message = "sso.enabled = true needs sso.oidc: the issuer, authorization_endpoint, token_endpoint, user_info_endpoint and client_id of your IdP (from its /.well-known/openid-configuration)."
  }

  validation {
    condition     = alltrue([for r in [var.primary_region, var.secondary_region] : !var.sso.enabled || contains(keys(var.sso.certificate_arns), r)])
    error_message = "sso.certificate_arns needs a certificate for primary_region and secondary_region (the listener's certificate is regional), e.g. { \"us-east-1\" = \"arn:aws:acm:us-east-1:111122223333:certificate/...\", \"us-west-2\" = \"...\" }."
  }

  validation {
    condition     = alltrue([for r, arn in var.sso.certificate_arns : can(regex("^arn:aws[a-z-]*:(acm:${r}:[0-9]{12}:certificate/|iam::[0-9]{12}:server-certificate/)", arn))])
    error_message = "sso.certificate_arns[<region>] must be an ACM certificate ARN of that same region (arn:aws:acm:<region>:<account>:certificate/<id>) or an IAM server certificate ARN."
  }

  validation {
    condition     = !var.sso.enabled || try(length(var.sso.oidc.client_secret_arns) == 0, true) || alltrue([for r in [var.primary_region, var.secondary_region] : contains(keys(try(var.sso.oidc.client_secret_arns, {})), r)])
    error_message = "sso.oidc.client_secret_arns needs a secret for primary_region and secondary_region (Secrets Manager is regional: replicate the secret), or leave it empty and pass sso_oidc_client_secret."
  }

  validation {
    condition     = alltrue([for r in var.sso.allowed_roles : contains(["Admin", "Op", "User", "Viewer", "Public"], r)]) && length(var.sso.allowed_roles) > 0
    error_message = "sso.allowed_roles must list at least one of the Airflow roles Admin, Op, User, Viewer, Public (exact spelling)."
  }

  validation {
    condition     = var.sso.internal || !var.sso.enabled || alltrue([for r, n in var.networks : n.public_subnets])
    error_message = "sso.internal = false puts the ALB into public subnets: set public_subnets = true in networks for each region, or keep sso.internal = true (users reach it over VPN/Direct Connect)."
  }

  validation {
    condition     = alltrue([for c in var.sso.ingress_cidr_blocks : can(cidrnetmask(c))])
    error_message = "sso.ingress_cidr_blocks must be IPv4 CIDR blocks such as \"10.0.0.0/8\" (where your users' VPN lands); [] admits the VPC's own CIDR."
  }
}

variable "sso_oidc_client_secret" {
  description = "The OIDC client secret for sso, when it is not read from Secrets Manager (sso.oidc.client_secret_arns). Pass it as TF_VAR_sso_oidc_client_secret, never in a committed tfvars file (ENV=local excepted: the emulator has no IdP). It lives in the ALB listener and therefore in state."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = !var.sso.enabled || ((var.sso_oidc_client_secret == null) != (length(try(var.sso.oidc.client_secret_arns, {})) == 0))
    error_message = "sso needs exactly one source of the OIDC client secret: sso.oidc.client_secret_arns (region -> Secrets Manager ARN), or TF_VAR_sso_oidc_client_secret."
  }
}
