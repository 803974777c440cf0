# S3 backend for ENV=prod. Create the bucket once (versioned, SSE-KMS, TLS-only): see README "Real AWS".
bucket       = "CHANGE-ME-mwaa-platform-prod-tfstate"
region       = "us-east-1"
encrypt      = true
use_lockfile = true
