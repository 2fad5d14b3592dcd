#!/usr/bin/env bash
# End to end, the path a user runs, with moto_server (over HTTP on loopback) for AWS and a real PostgreSQL:
#   1. the image, built with podman on the local base images (.ci/image/test-image.sh's build, test CA baked in as
#      the RDS CA bundle); jlink modules: jdeps' findings in the jar must all be in .ci/image/jlink-modules.txt,
#      and the image's runtime must have every module listed there;
#   2. `terraform apply` of terraform/examples/aurora-postgresql against moto (its trigger runs ecs/run-migration,
#      whose task moto "runs": moto answers exit code 0 for every task), with the image's own digest;
#   3. the task definition read back from moto's ECS and run as Fargate runs it: podman with its user, read-only
#      root, /tmp volume, CPU and memory, its environment, its `secrets` resolved from moto's Secrets Manager as the
#      ECS agent injects them, the task role's credentials from a loopback endpoint (AWS_CONTAINER_CREDENTIALS_
#      FULL_URI), and the cluster endpoint's name resolving to a local PostgreSQL that serves TLS with a certificate
#      for that name signed by the baked CA (so verify-full, Ferry's default against AWS, really verifies). That
#      PostgreSQL's admin role is the one in the RDS-managed master secret moto made;
#      checks: migrated (7 applied), the snapshot exists in moto, report and step summary; a rerun is up to date
#      with no new snapshot; a broken script (using a placeholder ECS injected) is exit 6, its value masked;
#      IAM authentication makes a token in the container (the server refuses it: exit 4, SQLSTATE 28P01);
#   4. the pipeline: migrate.yml's `run:` steps as written (.ci/e2e/workflow_steps.py) with the Terraform output
#      github_variables as the GitHub variables: ecs/register-revision (moto) and ecs/run-migration (moto's task:
#      exit code 0 is moto's answer, not Ferry's); the new revision differs from Terraform's in the image alone,
#      and run as above it is up to date;
#   5. names line up: every `vars.*` the workflows read is in github_variables (RDS_CA_SHA256 aside) and in
#      README.md's table; the task-definition template renders the same environment names as Terraform's module.
# No secret value may appear in any output. Nothing but loopback is contacted.
#
# usage: .ci/e2e/run.sh [--keep]        --keep leaves the work directory (state, logs, reports) and names it
# environment: FERRY_TF_PLUGIN_DIR (/opt/tf-plugins), FERRY_CI_CACHE (see .ci/image/podman-env.sh)
# exit codes: 0 all checks passed, 1 a check failed (the reason on stderr), 2 bad usage,
#             3 a tool is missing (terraform and its provider copy, moto_server, aws, python3 with boto3 and yaml, a JDK 25,
#               psql, openssl, jq): a failure, never a skip

E2E_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$E2E_DIR/../.." && pwd)"
# The image build, test CA, podman helpers, pass/fail (test-image.sh); moto and the example's copy (terraform's).
# shellcheck source=../image/test-image.sh
source "$REPO_ROOT/.ci/image/test-image.sh"
# shellcheck source=../../terraform/test/run-tests.sh
source "$REPO_ROOT/terraform/test/run-tests.sh"
# shellcheck source=../postgres.sh
source "$REPO_ROOT/.ci/postgres.sh"

log() { echo "[$(date +%H:%M:%S)] e2e: $*" >&2; }

usage() {
  sed -n '2,/^# exit codes/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  sed -n '/^# exit codes/,/^$/p' "${BASH_SOURCE[0]}" | sed -n '2,$p' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

require_tools() {
  local missing=() tool
  # What Debian packages, installed here as .ci/image's scripts install podman; the rest must be on the machine.
  if ! command -v psql >/dev/null || ! command -v openssl >/dev/null || ! command -v jq >/dev/null; then
    if [[ $(id -u) -eq 0 ]]; then DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql-client openssl jq >/dev/null 2>&1 || true; fi
  fi
  [[ -x "$FERRY_JDK_HOME/bin/jdeps" ]] || missing+=("a JDK 25 with jdeps at $FERRY_JDK_HOME (FERRY_JDK_HOME)")
  for tool in terraform moto_server aws python3 psql openssl jq; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
  done
  [[ -d "$PLUGIN_DIR" ]] || missing+=("the AWS provider copy in $PLUGIN_DIR")
  python3 -c 'import boto3, yaml' 2>/dev/null || missing+=("python3's boto3 and yaml")
  if ((${#missing[@]} > 0)); then
    echo "FAIL: the end-to-end test needs: ${missing[*]}" >&2
    exit 3
  fi
}

cleanup_e2e() {
  [[ -n "${CREDS_PID:-}" ]] && kill "$CREDS_PID" 2>/dev/null
  stop_moto
  [[ -n "${E2E_PG:-}" ]] && pg_stop "$E2E_PG"
  rm -rf "$REPO_ROOT/target/image-ca"
  if [[ "$KEEP" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}

tf_out() { terraform -chdir="$EXAMPLE" output -raw "$1"; }

# ---------------------------------------------------------------------------------------------------------------

check_jlink_modules() {
  local listed found missing
  listed=$(sed -e 's/#.*//' -e '/^[[:space:]]*$/d' "$REPO_ROOT/.ci/image/jlink-modules.txt" | sort -u)
  mkdir -p "$WORK/jar"
  (cd "$WORK/jar" && "$FERRY_JDK_HOME/bin/java" -Djarmode=tools -jar "$REPO_ROOT/target/ferry.jar" extract --layers \
    --destination x >/dev/null) || fail "1) could not extract target/ferry.jar"
  found=$("$FERRY_JDK_HOME/bin/jdeps" --ignore-missing-deps --print-module-deps --multi-release 25 \
    --class-path "$(printf '%s:' "$WORK"/jar/x/dependencies/lib/*.jar)" \
    "$WORK"/jar/x/application/ferry.jar "$WORK"/jar/x/dependencies/lib/*.jar 2>/dev/null | tail -n 1 | tr , '\n' | sort -u)
  [[ -n "$found" ]] || fail "1) jdeps found no module"
  missing=$(comm -23 <(echo "$found") <(echo "$listed"))
  [[ -z "$missing" ]] || fail "1) jdeps finds modules that .ci/image/jlink-modules.txt lacks: $(echo $missing)"
  pass "1) jdeps' modules ($(echo $found | tr ' ' ,)) are all in jlink-modules.txt"
  run_image -- --entrypoint java "$IMAGE" --list-modules
  missing=$(comm -23 <(echo "$listed") <(sed 's/@.*//' <<<"$RUN_OUT" | sort -u))
  [[ $RUN_RC -eq 0 && -z "$missing" ]] || fail "1) the image's runtime lacks: $(echo $missing) (exit $RUN_RC)"
  pass "1) the image's runtime has every listed module"
}

apply_example() {
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN
  export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
  export FERRY_ECS_POLL=1 FERRY_ECS_LOG_SETTLE=0
  start_moto || fail "2) moto_server did not start"
  export AWS_ENDPOINT_URL=$ENDPOINT
  # A secret the team already has, injected by ECS as a placeholder (the broken script uses it).
  SMTP_PASSWORD="Smtp-$RANDOM$RANDOM-never-printed"
  SECRETS+=("$SMTP_PASSWORD")
  local smtp_arn
  smtp_arn=$(aws secretsmanager create-secret --name e2e/smtp --secret-string "{\"password\":\"$SMTP_PASSWORD\"}" \
    --query ARN --output text) || fail "2) could not create the smtp secret in moto"

  prepare_copy "$REPO_ROOT" ""
  EXAMPLE=$WORK/terraform/examples/aurora-postgresql
  terraform -chdir="$EXAMPLE" init -backend=false -plugin-dir="$PLUGIN_DIR" -input=false -no-color >"$WORK/init.log" 2>&1 \
    || { cat "$WORK/init.log" >&2; fail "2) terraform init failed"; }
  # The example's image is repository@digest: the local image's own digest, so podman runs exactly that.
  DIGEST=$(pod image inspect --format '{{.Digest}}' "$IMAGE")
  PG_PORT_E2E=$(free_port)
  cat >"$WORK/e2e.tfvars" <<EOF
aws_endpoint_url               = "$ENDPOINT"
environment                    = "dev"
image_repository               = "${IMAGE%%:*}"
image_digest                   = "$DIGEST"
db_port                        = $PG_PORT_E2E
secret_recovery_window_in_days = 0
ecr_force_delete               = true
migration_timeout              = 300
github_repository              = "ferry-e2e/ferry"
ferry_secrets                  = { FERRY_PLACEHOLDER_smtp_password = "$smtp_arn:password::" }
EOF
  log "terraform apply of the example against moto (about 2 minutes: the provider's RDS waiters)"
  local t0=$SECONDS
  timeout 900 terraform -chdir="$EXAMPLE" apply -auto-approve -input=false -no-color -var-file="$WORK/e2e.tfvars" \
    >"$WORK/apply.log" 2>&1 || { tail -n 60 "$WORK/apply.log" >&2; fail "2) terraform apply failed"; }
  grep -q 'terraform_data.migration\[0\]: Creation complete' "$WORK/apply.log" \
    || fail "2) the apply did not run the migration trigger"
  terraform -chdir="$EXAMPLE" output -json github_variables >"$WORK/github-variables.json"
  aws ecs describe-task-definition --task-definition "$(tf_out task_definition_arn)" --output json >"$WORK/taskdef.json"
  pass "2) terraform apply in $((SECONDS - t0)) s; its trigger ran ecs/run-migration (moto's task: exit 0 is moto's answer)"
}

# The "Aurora cluster": PostgreSQL with TLS for the endpoint's name and the master secret's admin role.
start_database() {
  HOST=$(tf_out cluster_endpoint)
  [[ "$HOST" == *.rds.amazonaws.com ]] || fail "3) the cluster endpoint is not an RDS name: $HOST"
  local master admin_user admin_password
  master=$(aws secretsmanager get-secret-value --secret-id "$(tf_out db_secret_arn)" --query SecretString --output text) \
    || fail "3) moto has no value for the RDS-managed master secret"
  admin_user=$(jq -r .username <<<"$master")
  admin_password=$(jq -r .password <<<"$master")
  [[ -n "$admin_user" && "$admin_user" != null && -n "$admin_password" && "$admin_password" != null ]] \
    || fail "3) the master secret has no username and password"
  SECRETS+=("$admin_password")
  ADMIN_USER=$admin_user ADMIN_PASSWORD=$admin_password

  printf 'subjectAltName=DNS:%s\nextendedKeyUsage=serverAuth\n' "$HOST" >"$WORK/host.ext"
  openssl req -newkey rsa:2048 -nodes -subj "/CN=$HOST" -keyout "$WORK/host.key" -out "$WORK/host.csr" >/dev/null 2>&1 \
    && openssl x509 -req -in "$WORK/host.csr" -CA "$CA_DIR/ca.pem" -CAkey "$CA_DIR/ca.key" -CAcreateserial -days 2 \
      -extfile "$WORK/host.ext" -out "$WORK/host.crt" >/dev/null 2>&1 || fail "3) could not sign a certificate for $HOST"
  SUPER_PASSWORD="e2e-super-$RANDOM$RANDOM"
  SECRETS+=("$SUPER_PASSWORD")
  E2E_PG=$WORK/pg
  pg_start_on "$E2E_PG" "$PG_PORT_E2E" "$SUPER_PASSWORD" ssl "$WORK/host.crt" "$WORK/host.key" \
    || fail "3) PostgreSQL did not start on $PG_PORT_E2E"
  # Like Aurora's master user: not a superuser, may create roles and databases, owns the application database.
  psql_admin 127.0.0.1 "$PG_PORT_E2E" postgres "$SUPER_PASSWORD" postgres \
    "CREATE ROLE \"$ADMIN_USER\" LOGIN CREATEROLE CREATEDB PASSWORD '$ADMIN_PASSWORD'" || fail "3) could not create the admin role"
  psql_admin 127.0.0.1 "$PG_PORT_E2E" postgres "$SUPER_PASSWORD" postgres "CREATE DATABASE app OWNER \"$ADMIN_USER\"" \
    && psql_admin 127.0.0.1 "$PG_PORT_E2E" postgres "$SUPER_PASSWORD" postgres \
      "CREATE ROLE e2e_iam LOGIN PASSWORD 'not-the-token-$RANDOM'" || fail "3) could not create the database"
  log "PostgreSQL with TLS for $HOST on 127.0.0.1:$PG_PORT_E2E; admin role $ADMIN_USER from the master secret"

  CREDS_TOKEN="e2e-agent-token-$RANDOM$RANDOM"
  SECRETS+=("$CREDS_TOKEN")
  CREDS_PORT=$(free_port)
  python3 "$E2E_DIR/ecs_local.py" credentials "$CREDS_PORT" "$CREDS_TOKEN" "$WORK/credentials.log" &
  CREDS_PID=$!
}

# run_task TASKDEF_JSON [NAME=VALUE...] [-- PODMAN OPTIONS...]: the task's one container, as Fargate runs it, with
# run-task's containerOverrides. Sets RUN_OUT, RUN_RC, RUN_MS and TASK_TMP (the task volume on /tmp).
run_task() {
  local taskdef=$1 overrides=() extra=()
  shift
  while [[ $# -gt 0 && "$1" != "--" ]]; do overrides+=("$1"); shift; done
  [[ $# -gt 0 ]] && { shift; extra=("$@"); }
  local dir="$WORK/task-$((++TASKS))"
  # What ECS puts in every task's environment (the agent's credentials endpoint); the VPC endpoint is moto.
  python3 "$E2E_DIR/ecs_local.py" container "$taskdef" "$dir" "${overrides[@]}" \
    AWS_CONTAINER_CREDENTIALS_FULL_URI="http://127.0.0.1:$CREDS_PORT/v2/credentials/e2e" \
    AWS_CONTAINER_AUTHORIZATION_TOKEN="$CREDS_TOKEN" AWS_ENDPOINT_URL="$ENDPOINT" \
    AWS_DEFAULT_REGION="$AWS_REGION" AWS_EXECUTION_ENV=AWS_ECS_FARGATE || fail "3) could not prepare the task's container"
  TASK_TMP=$dir/tmp
  mkdir -m 1777 "$TASK_TMP"
  local args
  mapfile -t args <"$dir/args"
  local start; start=$(date +%s%N)
  RUN_RC=0
  RUN_OUT=$(pod_run --env-file "$dir/env" -v "$TASK_TMP:/tmp" --add-host "$HOST:127.0.0.1" "${extra[@]}" "${args[@]}" 2>&1) \
    || RUN_RC=$?
  RUN_MS=$(( ($(date +%s%N) - start) / 1000000 ))
  rm -f "$dir/env"
  ALL_OUTPUT+="$RUN_OUT"$'\n'
}

report() { jq -r "$1" "$TASK_TMP/report.json"; }
snapshots() {
  aws rds describe-db-cluster-snapshots --db-cluster-identifier "$(tf_out cluster_arn | sed 's/.*://')" \
    --snapshot-type manual --query 'length(DBClusterSnapshots)' --output text
}
as_admin() { PGPASSWORD=$ADMIN_PASSWORD PGSSLMODE=require psql -X -At -h 127.0.0.1 -p "$PG_PORT_E2E" -U "$ADMIN_USER" -d app -c "$1"; }

REPORTING=(FERRY_REPORT_FILE=/tmp/report.json FERRY_STEP_SUMMARY=/tmp/summary.md)

check_task_runs() {
  run_task "$WORK/taskdef.json" "${REPORTING[@]}"
  expect "3) the task definition Terraform registered, run as ECS runs it: migrate" 0 "applied 7 migrations"
  [[ "$(report '.outcome, (.applied | length), .exitCode')" == $'applied\n7\n0' ]] || fail "3) report: $(cat "$TASK_TMP/report.json")"
  local snapshot; snapshot=$(report .snapshot)
  [[ "$snapshot" == ferry-dev-* ]] || fail "3) the report names no snapshot: $snapshot"
  aws rds describe-db-cluster-snapshots --db-cluster-snapshot-identifier "$snapshot" \
    --query 'DBClusterSnapshots[0].Status' --output text | grep -qx available || fail "3) snapshot $snapshot is not in moto"
  grep -q "applied" "$TASK_TMP/summary.md" && grep -q '^|' "$TASK_TMP/summary.md" || fail "3) the step summary: $(cat "$TASK_TMP/summary.md")"
  [[ "$(as_admin "SELECT count(*) FROM flyway_schema_history WHERE success")" == 7 ]] || fail "3) the schema history has not 7 rows"
  [[ "$(as_admin "SELECT rolname FROM pg_roles WHERE rolname = 'api'")" == api ]] || fail "3) the API user from the api_db secret is missing"
  grep -q authorized "$WORK/credentials.log" && ! grep -q refused "$WORK/credentials.log" \
    || fail "3) the container did not take the task role's credentials from the endpoint"
  grep -q '^{.*"message"' <<<"$RUN_OUT" || fail "3) no JSON log line (FERRY_LOG_FORMAT=json from the task definition)"
  pass "3) report (7 applied), snapshot $snapshot in moto, step summary, schema history, API user, task-role credentials"
  local before; before=$(snapshots)

  run_task "$WORK/taskdef.json" "${REPORTING[@]}"
  expect "3) second run" 0 "up to date"
  [[ "$(report '.outcome, .snapshot')" == $'up to date\nnull' && "$(snapshots)" == "$before" ]] \
    || fail "3) the rerun was not up to date without a snapshot"
  pass "3) the rerun is up to date and took no snapshot ($before in moto)"

  mkdir -p "$WORK/broken"
  printf 'CREATE TABLE app.e2e_probe (value text);\nINSERT INTO app.e2e_probe VALUES (%s);\nSELECT 1 / 0;\n' \
    "'\${smtp_password}'" >"$WORK/broken/V100__e2e_broken.sql"
  chmod -R a+rX "$WORK/broken"
  run_task "$WORK/taskdef.json" "${REPORTING[@]}" FERRY_LOCATIONS=classpath:db/migration,filesystem:/e2e/broken \
    -- -v "$WORK/broken:/e2e/broken:ro"
  expect "3) a broken script that uses an ECS-injected placeholder" 6 "V100__e2e_broken.sql"
  [[ "$(report '.outcome, .exitCode, .error.script')" == $'failed\n6\nV100__e2e_broken.sql' ]] \
    || fail "3) report of the failure: $(cat "$TASK_TMP/report.json")"
  [[ "$(as_admin "SELECT count(*) FROM information_schema.tables WHERE table_name = 'e2e_probe'")" == 0 ]] \
    || fail "3) the failed migration was not rolled back"
  pass "3) exit 6, the report names the script, rolled back"

  run_task "$WORK/taskdef.json" FERRY_COMMAND=info FERRY_DB_IAM_AUTH=true FERRY_DB_USERNAME=e2e_iam FERRY_CONNECT_TIMEOUT=5s
  expect "3) IAM authentication: a token made in the container, refused by this server" 4 "28P01"
  grep -q "NoClassDefFoundError\|ClassNotFoundException" <<<"$ALL_OUTPUT" && fail "3) a class was missing in the image"
  pass "3) no class missing in the image's runtime in any run"
}

check_pipeline() {
  local new_image="localhost/ferry:e2e-pipeline" before after
  pod tag "$IMAGE" "$new_image"
  mkdir -p "$WORK/runner"
  log "migrate.yml's steps with the Terraform output github_variables as the GitHub variables"
  python3 "$E2E_DIR/workflow_steps.py" "$REPO_ROOT/.github/workflows/migrate.yml" migrate "$WORK/github-variables.json" \
    "$WORK/runner" environment=dev image="$new_image" >"$WORK/pipeline.log" 2>&1 \
    || { cat "$WORK/pipeline.log" >&2; fail "4) a step of migrate.yml failed"; }
  ALL_OUTPUT+="$(cat "$WORK/pipeline.log")"$'\n'
  local arn; arn=$(jq -r '.[] | select(.id == "taskdef") | .outputs.arn' "$WORK/runner/steps.json")
  before=$(tf_out task_definition_arn)
  [[ "$arn" == "${before%:*}:$((${before##*:} + 1))" ]] || fail "4) the new revision is $arn, after $before"
  grep -q "exit 0" "$WORK/runner/step-summary.md" || fail "4) the step summary: $(cat "$WORK/runner/step-summary.md")"
  aws ecs describe-task-definition --task-definition "$arn" --output json >"$WORK/taskdef-new.json"
  local changed
  changed=$(python3 - "$WORK/taskdef.json" "$WORK/taskdef-new.json" <<'PY'
import json, sys
a, b = (json.load(open(f))["taskDefinition"] for f in sys.argv[1:])
for d in (a, b):
    for k in ("taskDefinitionArn", "revision", "registeredAt", "registeredBy"):
        d.pop(k, None)
print(sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)),
      [k for k in a["containerDefinitions"][0] if a["containerDefinitions"][0][k] != b["containerDefinitions"][0].get(k)])
PY
)
  [[ "$changed" == "['containerDefinitions'] ['image']" ]] || fail "4) the new revision changed more than the image: $changed"
  pass "4) migrate.yml: revision ${arn##*:} differs from Terraform's in the image alone; run-migration and the summary ran (moto's exit 0)"
  run_task "$WORK/taskdef-new.json" "${REPORTING[@]}"
  expect "4) the pipeline's revision, run as ECS runs it" 0 "up to date"
}

check_names() {
  local read_by_workflows table
  read_by_workflows=$(grep -ho 'vars\.[A-Z0-9_]*' "$REPO_ROOT"/.github/workflows/*.yml | sed 's/vars\.//' | sort -u)
  missing=$(comm -23 <(echo "$read_by_workflows") <({ jq -r 'keys[]' "$WORK/github-variables.json"; echo RDS_CA_SHA256; } | sort))
  [[ -z "$missing" ]] || fail "5) the workflows read variables that github_variables lacks: $(echo $missing)"
  jq -e 'all(.[]; . != null and . != "")' "$WORK/github-variables.json" >/dev/null || fail "5) an empty GitHub variable"
  local name
  for name in $read_by_workflows; do
    grep -Eq "^ *\| \`$name\` \|" "$REPO_ROOT/README.md" || fail "5) README.md's table lacks \`$name\`"
  done
  pass "5) every variable the workflows read ($(echo $read_by_workflows | tr ' ' ,)) is in github_variables and README's table"
  # That ecs/task-definition.json.tpl sets the names and defaults the module sets is
  # terraform/test/container-environment.cjs's check, run by terraform/test/run-tests.sh.
}

main() {
  set -euo pipefail
  KEEP=0
  case "${1:-}" in
    "") ;;
    --keep) KEEP=1 ;;
    *) usage ;;
  esac
  cd "$REPO_ROOT"
  local t0=$SECONDS
  PLUGIN_DIR=${FERRY_TF_PLUGIN_DIR:-/opt/tf-plugins}
  FERRY_JDK_HOME=${FERRY_JDK_HOME:-/usr/lib/jvm/temurin-25-jdk-amd64}
  require_tools
  ALL_OUTPUT="" TASKS=0
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-e2e.XXXXXX")
  chmod 755 "$WORK"
  trap cleanup_e2e EXIT
  trap 'exit 130' INT TERM

  image_tools_install
  podman_setup
  build
  check_jlink_modules
  apply_example
  start_database
  check_task_runs
  check_pipeline
  check_names
  check_no_secrets
  echo "== end-to-end checks passed in $((SECONDS - t0)) s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
