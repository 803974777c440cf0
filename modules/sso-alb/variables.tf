variable "create" {
  description = "Whether to create any resource at all. With false the module plans nothing and every output is null."
  type        = bool
  default     = true
  nullable    = false
}

variable "name" {
  description = "Name prefix for every resource (ALB, target group, Lambda, table, roles). Short, because ALB and target group names are limited to 32 characters."
  type        = string
  nullable    = false

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{0,18}[a-z0-9]$", var.name))
    error_message = "name must be 2-20 characters of lowercase letters, digits and hyphens, starting with a letter and not ending with a hyphen, e.g. \"airflow-sso\"."
  }
}

variable "tags" {
  description = "Tags added to every resource that takes tags."
  type        = map(string)
  default     = {}
  nullable    = false
}

# ----------------------------------------------------------------------------------------------------------
# Load balancer
# ----------------------------------------------------------------------------------------------------------

variable "vpc_id" {
  description = "VPC of the load balancer (where the users' network reaches it). Required when create = true."
  type        = string
  default     = null

  validation {
    condition     = var.vpc_id == null ? !var.create : can(regex("^vpc-[0-9a-f]{8,17}$", var.vpc_id))
    error_message = "vpc_id must be a VPC id such as \"vpc-0123456789abcdef0\" (required when create = true)."
  }
}

variable "subnet_ids" {
  description = "Subnets of the load balancer, in at least two Availability Zones (public subnets when internal = false)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = (length(var.subnet_ids) == 0 && !var.create) || (length(var.subnet_ids) >= 2 && alltrue([for s in var.subnet_ids : can(regex("^subnet-[0-9a-f]{8,17}$", s))]))
    error_message = "subnet_ids must list at least two subnet ids (\"subnet-...\") in different Availability Zones: an ALB needs two (required when create = true)."
  }
}

variable "internal" {
  description = "true: an internal ALB reachable only from the VPC and networks connected to it (VPN, peering). false: internet-facing (then restrict ingress_cidr_blocks; a WAF web ACL is required, see create_waf_web_acl)."
  type        = bool
  default     = true
  nullable    = false
}

variable "ingress_cidr_blocks" {
  description = "IPv4 CIDR blocks allowed to reach the load balancer on 443 (and 80 when http_redirect)."
  type        = list(string)
  default     = []
  nullable    = false

  validation {
    condition     = alltrue([for c in var.ingress_cidr_blocks : can(cidrnetmask(c))])
    error_message = "ingress_cidr_blocks must be IPv4 CIDR blocks such as \"10.0.0.0/8\"."
  }
}

variable "certificate_arn" {
  description = "ACM certificate for the HTTPS listener (covering the load balancer's DNS alias and any environment host_headers). Required when create = true."
  type        = string
  default     = null

  validation {
    condition     = var.certificate_arn == null ? !var.create : can(regex("^arn:aws[a-z-]*:(acm|iam):", var.certificate_arn))
    error_message = "certificate_arn must be an ACM (or IAM server) certificate ARN such as \"arn:aws:acm:us-east-1:123456789012:certificate/...\" (required when create = true)."
  }
}

variable "additional_certificate_arns" {
  description = "More certificates for the HTTPS listener (SNI), e.g. for per-environment host names."
  type        = list(string)
  default     = []
  nullable    = false
}

variable "ssl_policy" {
  description = "TLS policy of the HTTPS listener. Only policies that refuse TLS 1.0 and 1.1 are accepted."
  type        = string
  default     = "ELBSecurityPolicy-TLS13-1-2-2021-06"
  nullable    = false

  validation {
    condition = contains([
      "ELBSecurityPolicy-TLS13-1-2-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Res-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Ext1-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-Ext2-2021-06",
      "ELBSecurityPolicy-TLS13-1-3-2021-06",
      "ELBSecurityPolicy-TLS13-1-2-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-2-Res-FIPS-2023-04",
      "ELBSecurityPolicy-TLS13-1-3-FIPS-2023-04",
      "ELBSecurityPolicy-TLS-1-2-2017-01",
      "ELBSecurityPolicy-TLS-1-2-Ext-2018-06",
      "ELBSecurityPolicy-FS-1-2-2019-08",
      "ELBSecurityPolicy-FS-1-2-Res-2019-08",
      "ELBSecurityPolicy-FS-1-2-Res-2020-10",
    ], var.ssl_policy)
    error_message = "ssl_policy must be a TLS 1.2+ ELB policy, e.g. \"ELBSecurityPolicy-TLS13-1-2-2021-06\" (default) or \"ELBSecurityPolicy-TLS13-1-3-2021-06\"; policies that allow TLS 1.0/1.1 (ELBSecurityPolicy-2016-08, -TLS-1-1-...) are refused."
  }
}

variable "http_redirect" {
  description = "Add an HTTP listener on port 80 that only redirects to HTTPS."
  type        = bool
  default     = true
  nullable    = false
}

variable "deletion_protection" {
  description = "Protect the load balancer and the authorization table from deletion (turn off only for throw-away stacks)."
  type        = bool
  default     = true
  nullable    = false
}

variable "waf_web_acl_arn" {
  description = "Regional WAFv2 web ACL of your own to associate with the load balancer instead of the module's. null: the module's web ACL (create_waf_web_acl)."
  type        = string
  default     = null

  validation {
    condition     = var.waf_web_acl_arn == null || can(regex("^arn:aws[a-z-]*:wafv2:[a-z0-9-]+:[0-9]{12}:regional/webacl/", var.waf_web_acl_arn))
    error_message = "waf_web_acl_arn must be a REGIONAL WAFv2 web ACL ARN (arn:aws:wafv2:<region>:<account>:regional/webacl/<name>/<id>); CloudFront-scoped ACLs cannot protect an ALB."
  }
}

variable "create_waf_web_acl" {
  description = "Create and associate the module's WAFv2 web ACL (AWS managed rule groups AWSManagedRulesKnownBadInputsRuleSet, Log4j included, and AWSManagedRulesCommonRuleSet; logs to an encrypted aws-waf-logs-* group) when waf_web_acl_arn is null. false with internal = false needs allow_internet_facing_without_waf."
  type        = bool
  default     = true
  nullable    = false
}

variable "allow_internet_facing_without_waf" {
  description = "The caller's explicit choice to run an internet-facing ALB (internal = false) with no WAF web ACL (create_waf_web_acl = false, waf_web_acl_arn = null), e.g. because a WAF is attached elsewhere (Firewall Manager). Leave false otherwise."
  type        = bool
  default     = false
  nullable    = false

  validation {
    condition     = var.internal || !var.create || var.waf_web_acl_arn != null || var.create_waf_web_acl || var.allow_internet_facing_without_waf
    error_message = "An internet-facing ALB (internal = false) needs a WAF: keep create_waf_web_acl = true (the default), or give waf_web_acl_arn, or, if a WAF is attached outside this module (e.g. Firewall Manager), set allow_internet_facing_without_waf = true as your documented choice."
  }
}

variable "access_logs" {
  description = "ALB access logs. bucket = null: the module creates a hardened bucket (SSE-S3, as ALB log delivery requires). Give bucket to deliver to an existing one whose policy already admits ELB log delivery."
  type = object({
    bucket                    = optional(string)
    prefix                    = optional(string, "sso-alb")
    expiration_days           = optional(number, 365)
    server_access_logs_bucket = optional(string)
    force_destroy             = optional(bool, false)
  })
  default  = {}
  nullable = false

  validation {
    condition     = var.access_logs.expiration_days >= 1 && floor(var.access_logs.expiration_days) == var.access_logs.expiration_days
    error_message = "access_logs.expiration_days must be a whole number of days, at least 1 (e.g. 365)."
  }

  validation {
    condition     = can(regex("^[A-Za-z0-9!_.*'()-]+(/[A-Za-z0-9!_.*'()-]+)*$", var.access_logs.prefix)) && !strcontains(lower(var.access_logs.prefix), "awslogs")
    error_message = "access_logs.prefix must be a relative S3 key prefix without leading/trailing slash and without \"AWSLogs\" (ELB appends that itself), e.g. \"sso-alb\"."
  }
}

# ----------------------------------------------------------------------------------------------------------
# Identity provider
# ----------------------------------------------------------------------------------------------------------

variable "oidc" {
  description = <<-EOT
    The existing OpenID Connect provider. Endpoints come from its /.well-known/openid-configuration.
    The client secret is read from Secrets Manager (client_secret_arn; client_secret_json_key when the secret
    is a JSON document) unless it is passed in oidc_client_secret. logout_url is where /logout sends the
    browser after clearing the ALB session (the IdP's end-session endpoint), null for a local page.
  EOT
  type = object({
    issuer                              = string
    authorization_endpoint              = string
    token_endpoint                      = string
    user_info_endpoint                  = string
    client_id                           = string
    client_secret_arn                   = optional(string)
    client_secret_json_key              = optional(string)
    scope                               = optional(string, "openid email profile")
    session_cookie_name                 = optional(string, "AWSELBAuthSessionCookie")
    session_timeout                     = optional(number, 28800)
    authentication_request_extra_params = optional(map(string), {})
    logout_url                          = optional(string)
  })
  default = null

  validation {
    condition     = var.oidc != null || !var.create
    error_message = "oidc is required when create = true: give the issuer, the authorization, token and user info endpoints, client_id and client_secret_arn."
  }

  validation {
    condition = var.oidc == null || try(alltrue([
      for url in [var.oidc.issuer, var.oidc.authorization_endpoint, var.oidc.token_endpoint, var.oidc.user_info_endpoint] :
      can(regex("^https://[^/\\s]+", url))
    ]), false)
    error_message = "oidc.issuer and the authorization, token and user info endpoints must be https:// URLs (the ALB refuses plain http), e.g. \"https://login.example.com/oauth2/v1/authorize\"."
  }

  validation {
    condition     = var.oidc == null || try(var.oidc.logout_url == null || can(regex("^https://[^/\\s]+", var.oidc.logout_url)), false)
    error_message = "oidc.logout_url must be null or an https:// URL (the IdP's end-session endpoint)."
  }

  validation {
    condition     = var.oidc == null || try(contains(split(" ", var.oidc.scope), "openid"), false)
    error_message = "oidc.scope must include \"openid\" (e.g. \"openid email profile\", plus \"groups\" when the IdP sends groups only on request)."
  }

  validation {
    condition     = var.oidc == null || try(var.oidc.session_timeout >= 60 && var.oidc.session_timeout <= 604800, false)
    error_message = "oidc.session_timeout must be between 60 and 604800 seconds (1 minute to 7 days); 28800 (8 hours) is the default."
  }

  validation {
    condition     = var.oidc == null || try(var.oidc.client_secret_arn == null || can(regex("^arn:aws[a-z-]*:secretsmanager:[a-z0-9-]+:[0-9]{12}:secret:", var.oidc.client_secret_arn)), false)
    error_message = "oidc.client_secret_arn must be a Secrets Manager secret ARN (arn:aws:secretsmanager:<region>:<account>:secret:<name>)."
  }

  validation {
    condition     = var.oidc == null || try(can(regex("^[A-Za-z0-9_-]{1,64}$", var.oidc.session_cookie_name)), false)
    error_message = "oidc.session_cookie_name must be 1-64 letters, digits, _ or - (default \"AWSELBAuthSessionCookie\")."
  }
}

variable "oidc_client_secret" {
  description = "The OIDC client secret, when it is not read from Secrets Manager by the module (e.g. the caller reads it from a secret). Exactly one of this and oidc.client_secret_arn must be set."
  type        = string
  default     = null
  sensitive   = true

  validation {
    condition     = var.oidc == null || ((var.oidc_client_secret == null) != (try(var.oidc.client_secret_arn, null) == null))
    error_message = "Set exactly one of oidc.client_secret_arn (the module reads the secret) and oidc_client_secret (you pass the value)."
  }
}

variable "claims" {
  description = "Which claims of the IdP's user info identify the user (grants are keyed by it) and carry the user's groups (a list, or a comma-separated string)."
  type = object({
    user   = optional(string, "email")
    groups = optional(string, "groups")
  })
  default  = {}
  nullable = false

  validation {
    condition     = can(regex("^[A-Za-z0-9:_.-]{1,64}$", var.claims.user)) && can(regex("^[A-Za-z0-9:_.-]{1,64}$", var.claims.groups))
    error_message = "claims.user and claims.groups must be claim names such as \"email\", \"preferred_username\" or \"cognito:groups\"."
  }
}

# ----------------------------------------------------------------------------------------------------------
# Environments
# ----------------------------------------------------------------------------------------------------------

variable "environments" {
  description = <<-EOT
    The MWAA environments this load balancer opens, by key. Users open https://<alb>/<key> (or https://<host>/
    for a host in host_headers: point that name at the ALB and cover it with a listener certificate). allowed_roles are the Airflow RBAC roles that may ever be granted on the environment: the
    module creates one access role per Airflow role, allowed airflow:CreateWebLoginToken only on the
    environments that allow that role. region defaults to the module's; environments are in the module's
    account (MWAA has no resource policies, so web login tokens for another account need an instance there).
  EOT
  type = map(object({
    mwaa_environment_name = string
    allowed_roles         = list(string)
    region                = optional(string)
    host_headers          = optional(list(string), [])
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for k in keys(var.environments) : can(regex("^[a-z0-9][a-z0-9-]{0,62}$", k)) && !contains(["logout", "oauth2", "health", "aws_mwaa", "static"], k)])
    error_message = "environments keys become URL paths: use 1-63 lowercase letters, digits and hyphens (e.g. \"prod\"), and not logout, oauth2, health, aws_mwaa or static."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : can(regex("^[a-zA-Z][0-9a-zA-Z_-]{0,79}$", e.mwaa_environment_name))])
    error_message = "environments[*].mwaa_environment_name must be an MWAA environment name: a letter, then up to 79 letters, digits, _ or -."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : length(e.allowed_roles) > 0 && alltrue([for r in e.allowed_roles : contains(["Admin", "Op", "User", "Viewer", "Public"], r)])])
    error_message = "environments[*].allowed_roles must list at least one of the Airflow roles Admin, Op, User, Viewer, Public (exact spelling)."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : e.region == null || can(regex("^[a-z]{2}(-[a-z]+)+-[0-9]$", e.region))])
    error_message = "environments[*].region must be a region name such as \"eu-west-1\" (or null for the module's region)."
  }

  validation {
    condition     = alltrue([for e in values(var.environments) : length(e.host_headers) <= 5 && alltrue([for h in e.host_headers : can(regex("^[a-z0-9*?]([a-z0-9*?.-]{0,251}[a-z0-9*?])?$", h))])])
    error_message = "environments[*].host_headers must be at most 5 lowercase host names (wildcards * and ? allowed), e.g. [\"prod-airflow.example.com\"]."
  }

  validation {
    condition     = length(flatten([for e in values(var.environments) : e.host_headers])) == length(distinct(flatten([for e in values(var.environments) : e.host_headers])))
    error_message = "A host name may map to one environment only: remove the duplicate from environments[*].host_headers."
  }

  validation {
    condition     = length(var.environments) > 0 || !var.create
    error_message = "environments must name at least one MWAA environment when create = true, e.g. { prod = { mwaa_environment_name = \"prod-airflow\", allowed_roles = [\"Viewer\", \"Op\"] } }."
  }

  validation {
    condition     = length(var.environments) <= 90
    error_message = "At most 90 environments per load balancer (each takes one of the listener's 100 rules); split them over two instances of this module."
  }
}

# ----------------------------------------------------------------------------------------------------------
# Authenticator Lambda
# ----------------------------------------------------------------------------------------------------------

variable "authenticator" {
  description = <<-EOT
    The authenticator Lambda. zip_path: the zip built by scripts/package_lambdas.py --only sso: subpackage sso and
    requirements pyjwt[crypto] (the Makefile writes build/lambda/sso.zip). subnet_ids / security_group_ids put
    it in a VPC (it then needs egress to STS, DynamoDB, MWAA and the ELB public key endpoint). key_url_base
    overrides the ALB public key endpoint (only for tests or partitions with a different endpoint). runtime,
    memory_size, reserved_concurrency and log_retention_days (also the WAF log group's) are validated by
    modules/_lambda, whose defaults a null runtime or memory_size takes.
  EOT
  type = object({
    zip_path                = string
    runtime                 = optional(string)
    memory_size             = optional(number)
    timeout                 = optional(number, 15)
    reserved_concurrency    = optional(number, 20)
    log_retention_days      = optional(number, 365)
    subnet_ids              = optional(list(string), [])
    security_group_ids      = optional(list(string), [])
    code_signing_config_arn = optional(string)
    key_url_base            = optional(string)
  })
  default = null

  validation {
    condition     = var.authenticator != null || !var.create
    error_message = "authenticator is required when create = true: at least { zip_path = \"build/lambda/sso.zip\" }."
  }

  validation {
    condition     = var.authenticator == null || try(endswith(var.authenticator.zip_path, ".zip"), false)
    error_message = "authenticator.zip_path must point at the .zip built by scripts/package_lambdas.py (e.g. \"build/lambda/sso.zip\")."
  }

  validation {
    condition     = var.authenticator == null || try(var.authenticator.timeout >= 3 && var.authenticator.timeout <= 60, false)
    error_message = "authenticator.timeout must be 3-60 seconds: a login is interactive, and the ALB gives up on a Lambda target after its own idle timeout."
  }

  validation {
    condition     = var.authenticator == null || try((length(var.authenticator.subnet_ids) == 0) == (length(var.authenticator.security_group_ids) == 0), false)
    error_message = "authenticator.subnet_ids and authenticator.security_group_ids go together: give both to run the Lambda in a VPC, or neither."
  }

  validation {
    condition     = var.authenticator == null || try(var.authenticator.key_url_base == null || can(regex("^https://|^http://(127\\.0\\.0\\.1|localhost)[:/]", var.authenticator.key_url_base)), false)
    error_message = "authenticator.key_url_base must be an https:// URL (plain http only on loopback, for tests), or null for the ALB's regional key endpoint."
  }
}

variable "kms_key_arn" {
  description = "Customer managed KMS key for the table, the Lambda's environment and its log group. null: the module creates one (rotation on)."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/", var.kms_key_arn))
    error_message = "kms_key_arn must be a KMS key ARN (arn:aws:kms:<region>:<account>:key/<id>); aliases are not accepted by every consumer."
  }
}

# ----------------------------------------------------------------------------------------------------------
# Private web servers
# ----------------------------------------------------------------------------------------------------------

variable "vpc_peerings" {
  description = <<-EOT
    VPC peering to environments with a private web server (PRIVATE_ONLY), so browsers on the load balancer's
    network reach https://<WebServerHostname> after the redirect. route_table_ids: tables on this side that
    get a route to peer_cidr_block. Same account and region: the peering is accepted and peer_route_table_ids
    get a route back. Another account or region: only the request is made (accept it on the peer side).
  EOT
  type = map(object({
    peer_vpc_id          = string
    peer_cidr_block      = string
    route_table_ids      = optional(list(string), [])
    peer_route_table_ids = optional(list(string), [])
    peer_region          = optional(string)
    peer_owner_id        = optional(string)
  }))
  default  = {}
  nullable = false

  validation {
    condition     = alltrue([for p in values(var.vpc_peerings) : can(regex("^vpc-[0-9a-f]{8,17}$", p.peer_vpc_id)) && can(cidrnetmask(p.peer_cidr_block))])
    error_message = "vpc_peerings[*] need peer_vpc_id (\"vpc-...\") and peer_cidr_block (an IPv4 CIDR such as \"10.1.0.0/16\")."
  }

  validation {
    condition     = alltrue([for p in values(var.vpc_peerings) : length(p.peer_route_table_ids) == 0 || (p.peer_region == null && p.peer_owner_id == null)])
    error_message = "vpc_peerings[*].peer_route_table_ids can only be managed for a peer in the same account and region; for another account or region leave it empty and add the routes on the peer side."
  }
}
