#!/usr/bin/env bash
# terraform for one root stack, one environment, one region:
#   scripts/tf.sh plan|apply|destroy|output|show|state|import|init STACK ENV REGION [extra terraform args]
# ENV picks terraform/envs/<ENV>.tfvars (or <ENV>.<STACK>.tfvars when that exists, e.g. local.shared-network.tfvars)
# and <ENV>.backend.hcl; REGION picks (or creates) the workspace. ENV=local and local-* use the emulator.
set -euo pipefail
action=${1:?usage: tf.sh plan|apply|destroy|output|show|state|import|init STACK ENV REGION}; stack=${2:?stack}; env=${3:?env}; region=${4:?region}
shift 4
root=$(cd "$(dirname "$0")/.." && pwd)
dir=$root/terraform/$stack
vars=$root/terraform/envs/$env.tfvars
[ -f "$root/terraform/envs/$env.$stack.tfvars" ] && vars=$root/terraform/envs/$env.$stack.tfvars
case "$env" in local | local-*) emulated=1 ;; *) emulated=0 ;; esac
backend=$root/terraform/envs/$env.backend.hcl
export TF_CLI_CONFIG_FILE=${TF_CLI_CONFIG_FILE:-$root/.state/terraform.rc}
export TF_IN_AUTOMATION=1 TF_INPUT=0

die() { echo "error: $*" >&2; exit 2; }
[ -d "$dir" ] || die "no stack '$stack' (have: $(ls "$root/terraform" | grep -v envs | tr '\n' ' '))"
[ -f "$vars" ] || die "no terraform/envs/$env.tfvars (environments: $(cd "$root/terraform/envs" && ls *.tfvars | grep -v '\..*\.tfvars$' | sed 's/.tfvars//' | tr '\n' ' '))"
[ -f "$backend" ] || die "no terraform/envs/$env.backend.hcl: copy another environment's and set its bucket/region"
[[ "$region" =~ ^[a-z]{2}(-gov)?-[a-z]+-[0-9]$ ]] || die "REGION '$region' is not an AWS region name (e.g. us-east-1)"
[ -f "$TF_CLI_CONFIG_FILE" ] || "$root/scripts/terraform-cli-config.sh" "$TF_CLI_CONFIG_FILE" >/dev/null

py=$root/.venv/bin/python
[ -x "$py" ] || die "run 'make setup' first (no $root/.venv)"

if [ "$emulated" = 1 ]; then
  [ -n "${AWS_ENDPOINT_URL:-}" ] || die "ENV=local needs the emulator: run 'make up' and export what it prints (or use make plan/apply, which do)"
fi
# Fail fast (seconds, not a hang on instance metadata) when there are no credentials for this account.
"$py" - "$region" <<'PY' || exit 2
import sys
import boto3
from botocore.config import Config
from botocore.exceptions import BotoCoreError, ClientError, NoCredentialsError
region = sys.argv[1]
try:
    session = boto3.session.Session(region_name=region)
    if session.get_credentials() is None:
        raise NoCredentialsError()
    ident = session.client("sts", config=Config(connect_timeout=5, read_timeout=10, retries={"max_attempts": 2})).get_caller_identity()
    print(f"account {ident['Account']} as {ident['Arn']} in {region}", file=sys.stderr)
except NoCredentialsError:
    sys.exit("error: no AWS credentials found. Set AWS_PROFILE (aws sso login) or AWS_ACCESS_KEY_ID/AWS_SECRET_ACCESS_KEY "
             "for the target account, or use ENV=local with 'make up' for the embedded emulator.")
except (BotoCoreError, ClientError) as exc:
    sys.exit(f"error: AWS credentials were found but STS rejected them or was unreachable: {exc}")
PY

backend_args=(-backend-config="$backend" -backend-config="key=$stack/terraform.tfstate")
state_bucket=$(sed -n 's/^ *bucket *= *"\(.*\)"/\1/p' "$backend")
if [ "$emulated" = 1 ]; then
  # The emulator starts empty: create the state bucket (versioned) so the real S3 backend code path runs.
  "$py" - "$state_bucket" <<'PY'
import sys
import boto3
s3 = boto3.client("s3", region_name="us-east-1")
bucket = sys.argv[1]
if bucket not in [b["Name"] for b in s3.list_buckets()["Buckets"]]:
    s3.create_bucket(Bucket=bucket)
    s3.put_bucket_versioning(Bucket=bucket, VersioningConfiguration={"Status": "Enabled"})
PY
fi

data_dir=${MWAA_PLATFORM_STATE:-$root/.state}/tf/$stack/$env
export TF_DATA_DIR=$data_dir
mkdir -p "$data_dir"
(cd "$dir" && terraform init -input=false -reconfigure "${backend_args[@]}" >"$data_dir/init.log" 2>&1) \
  || { cat "$data_dir/init.log" >&2; die "terraform init failed for $stack/$env"; }
(cd "$dir" && { terraform workspace select "$region" >/dev/null 2>&1 || terraform workspace new "$region" >/dev/null; })

common=(-var-file="$vars" -var "region=$region")
cd "$dir"
case "$action" in
  init) echo "initialised $stack for $env, workspace $region" ;;
  plan) terraform plan "${common[@]}" "$@" ;;
  apply) terraform apply -auto-approve "${common[@]}" "$@" ;;
  destroy) terraform destroy -auto-approve "${common[@]}" "$@" ;;
  output) terraform output "$@" ;;
  show) terraform show "$@" ;;
  state) terraform state "$@" ;;
  import) terraform import "${common[@]}" "$@" ;;
  *) die "unknown action '$action'" ;;
esac
