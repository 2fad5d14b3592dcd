#!/usr/bin/env bash
# End to end, the path a user runs, with moto_server (over HTTP on loopback) for AWS and a real PostgreSQL:
#   1. the image, built with podman on the local base images (.ci/image/test-image.sh's build, test CA baked in as
#      the RDS CA bundle); jlink modules: jdeps' findings in the jar must all be in .ci/image/jlink-modules.txt,
#      and the image's runtime must have every module listed there;
#   2. two environments from one image, as README.md's steps set them up: `terraform apply` of
#      terraform/examples/aurora-postgresql against moto for dev (which creates the one ECR repository and the
#      GitHub OIDC provider) and then for prod (`create_ecr_repository = false`, `image_repository` and
#      `github_oidc_provider_arn` from dev's outputs), each in a workspace of its own (separate states), each with
#      the image's own digest; each trigger runs ecs/run-migration, whose task moto "runs" (moto answers exit code
#      0 for every task). The image is "pushed" as deploy.yml's step names it (<registry>/<ECR_REPOSITORY>:<sha>, a
#      local tag: moto has no registry). prod's apply runs while 3. runs dev's task. dev's variables in prod's
#      workspace are refused;
#   3. the task definition read back from moto's ECS and run as Fargate runs it: podman with its user, read-only
#      root, /tmp volume, CPU and memory, its environment, its `secrets` resolved from moto's Secrets Manager as the
#      ECS agent injects them, the task role's credentials from a loopback endpoint (AWS_CONTAINER_CREDENTIALS_
#      FULL_URI), and the cluster endpoint's name resolving to a local PostgreSQL that serves TLS with a certificate
#      for that name signed by the baked CA (so verify-full, Ferry's default against AWS, really verifies). That
#      PostgreSQL's admin role is the one in the RDS-managed master secret moto made;
#      checks: migrated (7 applied), the snapshot exists in moto, report and step summary; a rerun is up to date
#      with no new snapshot; a broken script (using a placeholder ECS injected) is exit 6, its value masked;
#      IAM authentication makes a token in the container (the server refuses it: exit 4, SQLSTATE 28P01);
#   4. the pipeline: deploy.yml's jobs for dev and prod (.ci/e2e/workflow_steps.py deploy): plan-environment.yml's
#      and migrate.yml's `run:` steps as written, in deploy.yml's order, with the Terraform outputs as the GitHub
#      variables (github_variables for <env> and <env>-plan, github_repository_variables for the repository):
#      ecs/register-revision (moto) and ecs/run-migration (moto's task: exit code 0 is moto's answer, not
#      Ferry's); migrate runs the planned revision, which differs from Terraform's in the image alone; prod's plan
#      rehearses, dev's does not; dev's revision, run as above, is up to date;
#   5. from each applied state (terraform show -json): the image of each environment's task definition, and of
#      the revision the pipeline registered, is in the one repository dev created, and the environment's
#      execution role (the task definition's) has a policy that allows pulling from it; prod's task definition
#      has the example's settings for prod (FERRY_DRIFT=fail, FERRY_REHEARSE=clone of its own cluster, a task role
#      that may clone it), dev's do not; only dev's deploy role may push or be assumed outside an environment;
#      prod trusts dev's OIDC provider and creates none;
#   6. names line up: every `vars.*` the workflows read is in github_variables or github_repository_variables
#      (RDS_CA_SHA256 aside) and in README.md's table, and README's section on them names every GitHub
#      environment the workflows run in (dev, dev-plan, test, ...); the task-definition template renders the
#      same environment names as Terraform's module.
# No secret value may appear in any output. Nothing but loopback is contacted.
#
# usage: .ci/e2e/run.sh [--keep]        --keep leaves the work directory (state, logs, reports) and names it
# environment: FERRY_TF_PLUGIN_DIR (/opt/tf-plugins), FERRY_CI_CACHE (see .ci/image/podman-env.sh), FERRY_E2E_IMAGE
#              (the image's tag, localhost/ferry:image-test)
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
# The image's tag: test-image.sh's unless FERRY_E2E_IMAGE names another (two checkouts sharing one podman store).
IMAGE=${FERRY_E2E_IMAGE:-$IMAGE}

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
  [[ -n "${PROD_PID:-}" ]] && { kill "$PROD_PID" 2>/dev/null; wait "$PROD_PID" 2>/dev/null || true; }
  [[ -n "${STATE_PID:-}" ]] && { kill "$STATE_PID" 2>/dev/null; wait "$STATE_PID" 2>/dev/null || true; }
  # The "pushed" name is this run's: the image keeps only its own tag.
  [[ -n "${PUSHED:-}" ]] && { pod untag "$IMAGE" "$PUSHED" 2>/dev/null || true; }
  stop_moto
  [[ -n "${E2E_PG:-}" ]] && pg_stop "$E2E_PG"
  rm -rf "$REPO_ROOT/target/image-ca"
  if [[ "$KEEP" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
}

# tf WORKSPACE ARGS...: terraform in the example's copy, in one environment's workspace (its own state).
tf() {
  local workspace=$1
  shift
  TF_WORKSPACE=$workspace terraform -chdir="$EXAMPLE" "$@"
}
tf_out() { tf dev output -raw "$1"; } # dev's: the environment whose task runs here

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

prepare_terraform() {
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
  unset AWS_PROFILE AWS_SESSION_TOKEN TF_WORKSPACE
  export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
  export FERRY_ECS_POLL=1 FERRY_ECS_LOG_SETTLE=0
  start_moto || fail "2) moto_server did not start"
  export AWS_ENDPOINT_URL=$ENDPOINT
  # A secret the team already has, injected by ECS as a placeholder (the broken script uses it).
  SMTP_PASSWORD="Smtp-$RANDOM$RANDOM-never-printed"
  SECRETS+=("$SMTP_PASSWORD")
  SMTP_ARN=$(aws secretsmanager create-secret --name e2e/smtp --secret-string "{\"password\":\"$SMTP_PASSWORD\"}" \
    --query ARN --output text) || fail "2) could not create the smtp secret in moto"

  prepare_copy "$REPO_ROOT" ""
  EXAMPLE=$WORK/terraform/examples/aurora-postgresql
  terraform -chdir="$EXAMPLE" init -backend=false -plugin-dir="$PLUGIN_DIR" -input=false -no-color >"$WORK/init.log" 2>&1 \
    || { cat "$WORK/init.log" >&2; fail "2) terraform init failed"; }
  # One state per environment: a workspace each (README.md, "From clone to a migrated environment").
  local workspace
  for workspace in dev prod; do
    terraform -chdir="$EXAMPLE" workspace new -no-color "$workspace" >/dev/null || fail "2) could not make workspace $workspace"
  done
  # The registry deploy.yml's image job logs in to (amazon-ecr-login's `registry` output), and the commit it tags.
  REGISTRY="$(aws sts get-caller-identity --query Account --output text).dkr.ecr.$AWS_REGION.amazonaws.com"
  GITHUB_SHA=$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || printf '0%.0s' {1..40})
  # Both environments run repository@digest: the local image's own digest, so podman runs exactly that.
  DIGEST=$(pod image inspect --format '{{.Digest}}' "$IMAGE")
  PG_PORT_E2E=$(free_port)
}

# The environment that creates the one ECR repository (and the account's GitHub OIDC provider).
apply_dev() {
  cat >"$WORK/dev.tfvars" <<TFVARS
aws_endpoint_url               = "$ENDPOINT"
environment                    = "dev"
image_digest                   = "$DIGEST"
db_port                        = $PG_PORT_E2E
secret_recovery_window_in_days = 0
ecr_force_delete               = true
migration_timeout              = 300
github_repository              = "ferry-e2e/ferry"
ferry_secrets                  = { FERRY_PLACEHOLDER_smtp_password = "$SMTP_ARN:password::" }
TFVARS
  log "terraform apply of dev against moto (about 2 minutes: the provider's RDS waiters)"
  local t0=$SECONDS
  TF_WORKSPACE=dev timeout 900 terraform -chdir="$EXAMPLE" apply -auto-approve -input=false -no-color -var-file="$WORK/dev.tfvars" \
    >"$WORK/apply-dev.log" 2>&1 || { tail -n 60 "$WORK/apply-dev.log" >&2; fail "2) terraform apply of dev failed"; }
  grep -q 'terraform_data.migration\[0\]: Creation complete' "$WORK/apply-dev.log" \
    || fail "2) dev's apply did not run the migration trigger"
  tf dev output -json github_variables >"$WORK/github-variables-dev.json"
  tf dev output -json github_repository_variables >"$WORK/github-repository-variables.json"
  aws ecs describe-task-definition --task-definition "$(tf_out task_definition_arn)" --output json >"$WORK/taskdef.json"
  pass "2) dev: terraform apply in $((SECONDS - t0)) s; its trigger ran ecs/run-migration (moto's task: exit 0 is moto's answer)"

  # The push of deploy.yml's image job: <registry>/<ECR_REPOSITORY>:<commit>, into the repository dev created.
  PUSHED="$REGISTRY/$(jq -r .ECR_REPOSITORY "$WORK/github-repository-variables.json"):$GITHUB_SHA"
  [[ "${PUSHED%:*}" == "$(tf_out ecr_repository_url)" ]] \
    || fail "2) deploy.yml would push $PUSHED, not to dev's repository $(tf_out ecr_repository_url)"
  pod tag "$IMAGE" "$PUSHED"
  [[ "$(jq -r '.taskDefinition.containerDefinitions[0].image' "$WORK/taskdef.json")" == "${PUSHED%:*}@$DIGEST" ]] \
    || fail "2) dev's task definition does not run ${PUSHED%:*}@$DIGEST"
}

# The second environment: the same image from dev's repository, the account's OIDC provider from dev's output.
# Applied in the background while dev's task runs; wait_prod collects it.
start_prod() {
  cat >"$WORK/prod.tfvars" <<TFVARS
aws_endpoint_url               = "$ENDPOINT"
environment                    = "prod"
create_ecr_repository          = false
image_repository               = "$(tf_out ecr_repository_url)"
image_digest                   = "$DIGEST"
secret_recovery_window_in_days = 0
migration_timeout              = 300
github_repository              = "ferry-e2e/ferry"
github_oidc_provider_arn       = "$(tf_out github_oidc_provider_arn)"
TFVARS
  log "terraform apply of prod against moto, in the background"
  PROD_T0=$SECONDS
  # timeout is the background job itself: killing it (cleanup_e2e) stops terraform too.
  TF_WORKSPACE=prod timeout 900 terraform -chdir="$EXAMPLE" apply -auto-approve -input=false -no-color \
    -var-file="$WORK/prod.tfvars" >"$WORK/apply-prod.log" 2>&1 &
  PROD_PID=$!
}

wait_prod() {
  local rc=0
  wait "$PROD_PID" || rc=$?
  PROD_PID=
  ((rc == 0)) || { tail -n 60 "$WORK/apply-prod.log" >&2; fail "2) terraform apply of prod failed (exit $rc)"; }
  grep -q 'terraform_data.migration\[0\]: Creation complete' "$WORK/apply-prod.log" \
    || fail "2) prod's apply did not run the migration trigger"
  tf prod output -json github_variables >"$WORK/github-variables-prod.json"
  tf prod output -json | jq -e '.github_repository_variables.value == null' >/dev/null || fail "2) prod has repository variables"
  pass "2) prod: terraform apply done $((SECONDS - PROD_T0)) s after it started; its trigger ran ecs/run-migration"
  # While the pipeline runs (it changes no Terraform state): each applied state as JSON for check_environments, and
  # a plan of dev's variables in prod's workspace, which must be refused.
  (
    for workspace in dev prod; do
      tf "$workspace" show -json -no-color >"$WORK/state-$workspace.json" || exit 1
    done
    rc=0
    tf prod plan -refresh=false -input=false -no-color -var-file="$WORK/dev.tfvars" >"$WORK/wrong-workspace.log" 2>&1 || rc=$?
    echo "$rc" >"$WORK/wrong-workspace.rc"
  ) &
  STATE_PID=$!
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
  local environment
  for environment in dev prod; do
    # README.md's `gh variable set` lines: <env> and <env>-plan get the same variables.
    ENV_VARS+=("$environment=$WORK/github-variables-$environment.json" "$environment-plan=$WORK/github-variables-$environment.json")
  done
  mkdir -p "$WORK/runner"
  log "deploy.yml's jobs for dev and prod, with the Terraform outputs as the GitHub variables"
  python3 "$E2E_DIR/workflow_steps.py" deploy "$REPO_ROOT/.github/workflows/deploy.yml" "$WORK/runner" image="$PUSHED" \
    "$WORK/github-repository-variables.json" "${ENV_VARS[@]}" >"$WORK/pipeline.log" 2>&1 \
    || { cat "$WORK/pipeline.log" >&2; fail "4) a step of deploy.yml's jobs failed"; }
  ALL_OUTPUT+="$(cat "$WORK/pipeline.log")"$'\n'
  grep -q 'migrate-test (environment test is not in this run)' "$WORK/pipeline.log" || fail "4) test was not skipped"
  local planned migrated terraform rehearsal expected changed
  for environment in dev prod; do
    planned=$(jq -r --arg j "plan-$environment" '.[$j]["task-definition-arn"]' "$WORK/runner/jobs.json")
    migrated=$(jq -r '.[] | select(.id == "taskdef") | .outputs.arn' "$WORK/runner/migrate-$environment/steps.json")
    terraform=$(tf "$environment" output -raw task_definition_arn)
    [[ "$planned" == "${terraform%:*}:$((${terraform##*:} + 1))" && "$migrated" == "$planned" ]] \
      || fail "4) $environment: planned $planned, migrated $migrated, after Terraform's $terraform"
    grep -q "exit 0" "$WORK/runner/migrate-$environment/step-summary.md" \
      || fail "4) $environment's step summary: $(cat "$WORK/runner/migrate-$environment/step-summary.md")"
    rehearsal=$(jq -r '.[] | select(.id == "rehearse") | .outputs["exit-code"]' "$WORK/runner/plan-$environment/steps.json")
    expected="not rehearsed"
    [[ $environment == prod ]] && expected=0
    [[ "$rehearsal" == "$expected" ]] || fail "4) $environment's plan rehearsal: '$rehearsal', expected '$expected'"
    aws ecs describe-task-definition --task-definition "$migrated" --output json >"$WORK/taskdef-pipeline-$environment.json"
    aws ecs describe-task-definition --task-definition "$terraform" --output json >"$WORK/taskdef-terraform-$environment.json"
    changed=$(python3 - "$WORK/taskdef-terraform-$environment.json" "$WORK/taskdef-pipeline-$environment.json" <<'PY'
import json, sys
a, b = (json.load(open(f))["taskDefinition"] for f in sys.argv[1:])
for d in (a, b):
    for k in ("taskDefinitionArn", "revision", "registeredAt", "registeredBy"):
        d.pop(k, None)
print(sorted(k for k in set(a) | set(b) if a.get(k) != b.get(k)),
      [k for k in a["containerDefinitions"][0] if a["containerDefinitions"][0][k] != b["containerDefinitions"][0].get(k)])
PY
)
    [[ "$changed" == "['containerDefinitions'] ['image']" ]] || fail "4) $environment's new revision changed more than the image: $changed"
    pass "4) $environment: plan (rehearsal: $rehearsal), then migrate of that revision (${migrated##*:}), Terraform's with the image alone changed (moto's exit 0)"
  done
  run_task "$WORK/taskdef-pipeline-dev.json" "${REPORTING[@]}"
  expect "4) dev's pipeline revision ($PUSHED), run as ECS runs it" 0 "up to date"
}

# From each applied state: the image each task definition names (Terraform's and the pipeline's revision) may be
# pulled by that environment's execution role (moto does not enforce IAM: the policy documents are read), and prod
# has the example's settings for prod.
check_environments() {
  local rc=0
  wait "$STATE_PID" || rc=$?
  STATE_PID=
  ((rc == 0)) || fail "5) terraform show -json of dev's or prod's state failed"
  rc=$(cat "$WORK/wrong-workspace.rc")
  ((rc != 0)) && grep -q 'select the environment' "$WORK/wrong-workspace.log" \
    || { cat "$WORK/wrong-workspace.log" >&2; fail "2) dev's variables in prod's workspace were not refused"; }
  pass "2) dev's variables in prod's workspace are refused (exit $rc): one state per environment"
  python3 - "$WORK" <<'PY' || fail "5) the applied states (above)"
import fnmatch, json, re, sys
work = sys.argv[1]
errors = []

def expect(what, got, want):
    if got != want:
        errors.append(f"{what}: got {got!r}, want {want!r}")

def resources(state):
    modules = [state["values"]["root_module"]]
    while modules:
        module = modules.pop()
        modules.extend(module.get("child_modules", []))
        yield from module.get("resources", [])

def find(state, address):
    found = [r["values"] for r in resources(state) if r["address"] == address]
    return found[0] if found else None

def ecr_repository_arn(image):
    """The ECR repository an image reference names, as IAM names it."""
    m = re.match(r"^([0-9]{12})\.dkr\.ecr(?:-fips)?\.([a-z0-9-]+)\.amazonaws\.com(\.cn)?/([^@:]+)", image)
    if not m:
        return None
    return f"arn:{'aws-cn' if m.group(3) else 'aws'}:ecr:{m.group(2)}:{m.group(1)}:repository/{m.group(4)}"

def listed(value):
    return value if isinstance(value, list) else [value]

def allows(policy, action, resource):
    """Whether an Allow statement of an identity policy covers action on resource (wildcards as IAM reads them)."""
    return any(st.get("Effect") == "Allow"
               and any(fnmatch.fnmatchcase(action, a) for a in listed(st.get("Action", [])))
               and any(fnmatch.fnmatchcase(resource, r) for r in listed(st.get("Resource", [])))
               for st in listed(policy["Statement"]))

states = {e: json.load(open(f"{work}/state-{e}.json")) for e in ("dev", "prod")}
repository = find(states["dev"], "module.ferry.aws_ecr_repository.this[0]")
provider = find(states["dev"], "aws_iam_openid_connect_provider.github[0]")
if repository is None or provider is None:
    sys.exit("run.sh: dev's state has no ECR repository or no OIDC provider")
expect("prod's state creates no ECR repository", find(states["prod"], "module.ferry.aws_ecr_repository.this[0]"), None)
expect("prod's state creates no OIDC provider", find(states["prod"], "aws_iam_openid_connect_provider.github[0]"), None)

for env, state in states.items():
    role = find(state, "module.ferry.aws_iam_role.execution")
    inline = find(state, "module.ferry.aws_iam_role_policy.execution")
    policy = json.loads(inline["policy"])
    expect(f"{env}: the execution policy's role", inline["role"], role["name"])
    cluster = find(state, "aws_rds_cluster.this")
    td = find(state, "module.ferry.aws_ecs_task_definition.this")
    pipeline = json.load(open(f"{work}/taskdef-pipeline-{env}.json"))["taskDefinition"]
    revisions = {
        "Terraform's revision": (td["execution_role_arn"], json.loads(td["container_definitions"])),
        "the pipeline's revision": (pipeline["executionRoleArn"], pipeline["containerDefinitions"]),
    }
    for name, (execution_role, containers) in revisions.items():
        (container,) = containers
        arn = ecr_repository_arn(container["image"])
        expect(f"{env}: {name}'s image {container['image']} is in the one repository dev created", arn, repository["arn"])
        expect(f"{env}: {name}'s execution role", execution_role, role["arn"])
        for action in ("ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer", "ecr:BatchCheckLayerAvailability"):
            expect(f"{env}: its execution role may {action} on {arn}", allows(policy, action, arn or "-"), True)
        expect(f"{env}: its execution role may ecr:GetAuthorizationToken", allows(policy, "ecr:GetAuthorizationToken", "*"), True)
        env_vars = {e["name"]: e["value"] for e in container["environment"]}
        want = {"FERRY_DRIFT": "fail", "FERRY_REHEARSE": "clone", "FERRY_REHEARSAL_CLUSTER_ID": cluster["cluster_identifier"]} \
            if env == "prod" else {"FERRY_DRIFT": "warn", "FERRY_REHEARSE": "off", "FERRY_REHEARSAL_CLUSTER_ID": None}
        for key, value in want.items():
            expect(f"{env}: {name}'s {key}", env_vars.get(key), value)
    task_policy = json.loads(find(state, "module.ferry.aws_iam_role_policy.task")["policy"])
    expect(f"{env}: its task role may clone its cluster",
           allows(task_policy, "rds:RestoreDBClusterToPointInTime", cluster["arn"]), env == "prod")

    deploy = json.loads(find(state, "aws_iam_role_policy.deploy[0]")["policy"])
    expect(f"{env}: its deploy role may push to the repository", allows(deploy, "ecr:PutImage", repository["arn"]), env == "dev")
    trust = json.loads(find(state, "aws_iam_role.deploy[0]")["assume_role_policy"])
    (statement,) = listed(trust["Statement"])
    subjects = listed(statement["Condition"]["StringLike"]["token.actions.githubusercontent.com:sub"])
    expect(f"{env}: its deploy role may be assumed on main outside an environment",
           "repo:ferry-e2e/ferry:ref:refs/heads/main" in subjects, env == "dev")
    expect(f"{env}: its deploy role may be assumed in {env}-plan", f"repo:ferry-e2e/ferry:environment:{env}-plan" in subjects, True)
    expect(f"{env}: its deploy role trusts the account's one OIDC provider", statement["Principal"]["Federated"], provider["arn"])

for e in errors:
    print(f"run.sh: {e}", file=sys.stderr)
sys.exit(1 if errors else 0)
PY
  pass "5) dev's and prod's task definitions (Terraform's and the pipeline's) name the one repository dev created, and each execution role's policy allows pulling from it"
  pass "5) prod: FERRY_DRIFT=fail, FERRY_REHEARSE=clone of its own cluster, a task role that may clone it; dev: warn, off"
  pass "5) only dev's deploy role may push and be assumed on main; prod trusts dev's OIDC provider and creates none"
}

check_names() {
  local read_by_workflows missing
  read_by_workflows=$(grep -ho 'vars\.[A-Z0-9_]*' "$REPO_ROOT"/.github/workflows/*.yml | sed 's/vars\.//' | sort -u)
  missing=$(comm -23 <(echo "$read_by_workflows") <({ jq -r 'keys[]' "$WORK/github-variables-dev.json" \
    "$WORK/github-repository-variables.json"; echo RDS_CA_SHA256; } | sort -u))
  [[ -z "$missing" ]] || fail "6) the workflows read variables that github_variables and github_repository_variables lack: $(echo $missing)"
  jq -s -e 'all(.[][]; . != null and . != "")' "$WORK"/github-variables-*.json "$WORK/github-repository-variables.json" \
    >/dev/null || fail "6) an empty GitHub variable"
  local name
  for name in $read_by_workflows; do
    grep -Eq "^ *\| \`$name\` \|" "$REPO_ROOT/README.md" || fail "6) README.md's table lacks \`$name\`"
  done
  pass "6) every variable the workflows read ($(echo $read_by_workflows | tr ' ' ,)) is an output and in README's table"
  # Every GitHub environment a workflow's job runs in (environment: <env> or <env>-plan), for each environment
  # deploy.yml deploys, is named where README tells how to set the variables.
  local lines suffixes environments environment suffix
  lines=$(sed -n '/^### GitHub variables and Terraform outputs/,/^## /p' "$REPO_ROOT/README.md")
  suffixes=$(grep -ho 'environment: \${{ inputs.environment }}[^ ]*' "$REPO_ROOT"/.github/workflows/*.yml | sed 's/.*}}//' | sort -u)
  environments=$(sed -n 's/^ *environment: \([a-z][a-z0-9-]*\)$/\1/p' "$REPO_ROOT/.github/workflows/deploy.yml" | sort -u)
  [[ -n "$environments" ]] && grep -q 'gh variable set --env' <<<"$lines" \
    || fail "6) no environments in deploy.yml, or no gh variable set --env in README's \"GitHub variables and Terraform outputs\""
  for environment in $environments; do
    for suffix in "" $suffixes; do
      grep -Eq -- "(^|[^a-z-])$environment$suffix([^a-z-]|$)" <<<"$lines" \
        || fail "6) README's \"GitHub variables and Terraform outputs\" does not name the GitHub environment $environment$suffix"
    done
  done
  pass "6) README's \"GitHub variables and Terraform outputs\" names every GitHub environment the workflows run in: $(echo $environments), and with $(echo $suffixes)"
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
  skip_pyenv_shims # python3, aws and moto_server started directly (.ci/pyenv-shims.sh, sourced by run-tests.sh)
  require_tools
  ALL_OUTPUT="" TASKS=0 ENV_VARS=() PROD_PID="" STATE_PID="" PUSHED=""
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-e2e.XXXXXX")
  chmod 755 "$WORK"
  trap cleanup_e2e EXIT
  trap 'exit 130' INT TERM

  image_tools_install
  podman_setup
  build
  check_jlink_modules
  prepare_terraform
  apply_dev
  start_prod
  start_database
  check_task_runs
  wait_prod
  check_pipeline
  check_environments
  check_names
  check_no_secrets
  echo "== end-to-end checks passed in $((SECONDS - t0)) s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
