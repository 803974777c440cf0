# S3 backend in the local emulator (make up): the same backend code path as real AWS.
# The endpoint comes from AWS_ENDPOINT_URL, set by `make up` / the Makefile; the bucket is created by scripts/tf.sh.
bucket         = "mwaa-platform-local-tfstate"
region         = "us-east-1"
encrypt        = true
use_lockfile   = true
use_path_style = true
