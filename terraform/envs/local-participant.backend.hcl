# S3 backend of the shared-VPC participant (ENV=local-participant) in the local emulator. State stays in the
# emulator's default account (as a central state account would); the provider assumes the participant role.
bucket         = "mwaa-platform-local-participant-tfstate"
region         = "us-east-1"
encrypt        = true
use_lockfile   = true
use_path_style = true
