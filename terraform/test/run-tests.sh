#!/usr/bin/env bash
# Tests of Ferry's Terraform module (terraform/) and example (terraform/examples/aurora-postgresql).
#
# Usage: terraform/test/run-tests.sh [--static-only] [--require-terraform] [--run-migration PATH] [--keep]
#
# Always:   every .tf file is parsed with @cdktf/hcl2json (npm ci into terraform/test/node_modules when
#           needed) and every variable block must have a non-empty description and a type; the inputs and
#           outputs tables of terraform/README.md and the example's README are what readme-tables.cjs renders
#           from variables.tf and outputs.tf (`node terraform/test/readme-tables.cjs --update DIR` rewrites
#           them); the module and ecs/task-definition.json.tpl set the same environment names with the same
#           defaults (container-environment.cjs), and that check fails on a template that differs.
# With terraform and /opt/tf-plugins (or $FERRY_TF_PLUGIN_DIR; FERRY_TF_PLUGIN_DIR=registry lets init download
# the provider from the Terraform registry, as on GitHub's runners):
#           terraform fmt -check -recursive; init -backend=false -plugin-dir + validate of module and example;
#           then, in a temporary copy of the repository layout, moto_server on a free loopback port and
#           `terraform apply` of the example against it: the migration trigger runs the real
#           ecs/run-migration, which runs the task in moto; the task definition, the task and execution
#           roles' policies and the repository policy (ecr_repository_read_access) are what the inputs say;
#           then plans prove the trigger is stable and fires again on a new image digest or a changed db/
#           file; then `terraform destroy`.
#           Nothing is written to the repository except terraform/test/node_modules (git-ignored).
# Without terraform: says so on stderr and runs the parse and variable checks only.
#
# Options:
#   --static-only          skip the apply/destroy test against moto
#   --require-terraform    a missing terraform, provider copy or moto_server is an error (exit 3), not a skip;
#                          the default when CI=true
#   --run-migration PATH   use PATH as ecs/run-migration (a stub) instead of the repository's script
#   --keep                 keep the temporary directory (state, logs) and print its path
#   -h, --help             this text
#
# Exit codes:
#   0  every check that could run passed (skipped ones are named on stderr)
#   1  a check failed
#   2  usage error
#   3  a prerequisite is missing (python3, node and npm for the HCL parse, or terraform or moto with
#      --require-terraform)
#
# The last line of output is "N passed, N failed, N skipped". No AWS endpoint but moto on 127.0.0.1 is used.

usage() { sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed -e 's/^# \{0,1\}//'; }

log() { printf 'run-tests: %s\n' "$*" >&2; }

# Results, shared by every check.
PASSED=0
FAILED=0
SKIPPED=0
FAILED_NAMES=()

# run_check NAME FUNCTION [ARGS...]: runs FUNCTION in a subshell with errexit, records the result.
run_check() {
  local name=$1 rc t0=$SECONDS
  shift
  log "--- $name"
  set +e
  (
    set -euo pipefail
    "$@"
  )
  rc=$?
  set -e
  if ((rc == 0)); then
    PASSED=$((PASSED + 1))
    log "ok   $name ($((SECONDS - t0)) s)"
  else
    FAILED=$((FAILED + 1))
    FAILED_NAMES+=("$name")
    log "FAIL $name (exit $rc, $((SECONDS - t0)) s)"
  fi
  return "$rc"
}

skip_check() {
  SKIPPED=$((SKIPPED + 1))
  log "skip $1: $2"
}

# shellcheck source=../../.ci/free-port.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../.ci/free-port.sh"
# shellcheck source=../../.ci/pyenv-shims.sh
source "$(dirname "${BASH_SOURCE[0]}")/../../.ci/pyenv-shims.sh"

################################################################################
# HCL parse (@cdktf/hcl2json) and the variable check
################################################################################

ensure_hcl2json() {
  local test_dir=$1
  if [[ -d "$test_dir/node_modules/@cdktf/hcl2json" && ! "$test_dir/package-lock.json" -nt "$test_dir/node_modules/.package-lock.json" ]]; then
    return 0
  fi
  log "installing @cdktf/hcl2json (npm ci in ${test_dir})"
  (cd "$test_dir" && npm ci --no-audit --no-fund --loglevel=error >&2)
}

# Parses every .tf file under $1 into one JSON object {path: parsed} written to $2.
check_hcl_parse() {
  local tf_root=$1 out=$2 test_dir=$3
  local -a files
  mapfile -t files < <(find "$tf_root" \( -name .terraform -o -name node_modules \) -prune -o -type f -name '*.tf' -print | sort)
  ((${#files[@]} > 0)) || {
    log "no .tf files under $tf_root"
    return 1
  }
  ensure_hcl2json "$test_dir"
  HCL2JSON_MODULE="$test_dir/node_modules/@cdktf/hcl2json" node - "${files[@]}" >"$out" <<'JS'
const { parse } = require(process.env.HCL2JSON_MODULE);
const fs = require("fs");
(async () => {
  const result = {};
  let failed = 0;
  for (const file of process.argv.slice(2)) {
    try {
      result[file] = await parse(file, fs.readFileSync(file, "utf8"));
    } catch (e) {
      failed++;
      console.error(`run-tests: HCL parse error: ${e.message || e}`);
    }
  }
  process.stdout.write(JSON.stringify(result));
  console.error(`run-tests: parsed ${Object.keys(result).length} .tf file(s), ${failed} failed`);
  process.exit(failed ? 1 : 0);
})();
JS
}

check_variables() {
  local parsed=$1
  python3 - "$parsed" <<'PY'
import json, sys
parsed = json.load(open(sys.argv[1]))
problems, count = [], 0
for path, doc in sorted(parsed.items()):
    for name, blocks in (doc.get("variable") or {}).items():
        for block in blocks:
            count += 1
            desc = block.get("description")
            if not isinstance(desc, str) or not desc.strip():
                problems.append(f"{path}: variable \"{name}\" has no description")
            if not block.get("type"):
                problems.append(f"{path}: variable \"{name}\" has no type")
for p in problems:
    print(f"run-tests: {p}", file=sys.stderr)
print(f"run-tests: {count} variable block(s) in {len(parsed)} file(s), {len(problems)} problem(s)", file=sys.stderr)
sys.exit(1 if problems or count == 0 else 0)
PY
}

# The README tables (terraform-inputs, terraform-outputs) of the module and of every example.
check_readme_tables() {
  local tf_root=$1 test_dir=$2
  local -a dirs=("$tf_root")
  local dir
  for dir in "$tf_root"/examples/*/; do
    [[ -f "$dir/README.md" ]] && dirs+=("${dir%/}")
  done
  HCL2JSON_MODULE="$test_dir/node_modules/@cdktf/hcl2json" node "$test_dir/readme-tables.cjs" "${dirs[@]}"
}

check_container_environment() {
  local repo_root=$1 test_dir=$2
  HCL2JSON_MODULE="$test_dir/node_modules/@cdktf/hcl2json" node "$test_dir/container-environment.cjs" "$repo_root"
}

# The environment check is not one that cannot fail: in a copy, a template default changed and a template name
# dropped each make it exit 1.
check_container_environment_fails() {
  local repo_root=$1 test_dir=$2 copy=$WORK/env-check
  mkdir -p "$copy/terraform" "$copy/ecs"
  cp "$repo_root"/terraform/*.tf "$repo_root/terraform/README.md" "$copy/terraform/"
  local rc=0
  cp "$repo_root/ecs/task-definition.json.tpl" "$copy/ecs/"
  sed 's/^\( *: "\${FERRY_DRIFT=\)[a-z]*}"/\1fail}"/' "$repo_root/ecs/render-task-definition" >"$copy/ecs/render-task-definition"
  check_container_environment "$copy" "$test_dir" 2>"$copy/changed.log" || rc=$?
  grep -F 'FERRY_DRIFT' "$copy/changed.log" >&2
  ((rc == 1)) || { log "a changed FERRY_DRIFT default gave exit $rc, not 1"; return 1; }
  rc=0
  cp "$repo_root/ecs/render-task-definition" "$copy/ecs/"
  grep -v '"FERRY_REHEARSAL_LOCK_BUDGET"' "$repo_root/ecs/task-definition.json.tpl" >"$copy/ecs/task-definition.json.tpl"
  check_container_environment "$copy" "$test_dir" 2>"$copy/dropped.log" || rc=$?
  grep -F 'FERRY_REHEARSAL_LOCK_BUDGET' "$copy/dropped.log" >&2
  ((rc == 1)) || { log "a dropped FERRY_REHEARSAL_LOCK_BUDGET gave exit $rc, not 1"; return 1; }
}

################################################################################
# terraform: fmt, init, validate
################################################################################

check_fmt() {
  terraform fmt -check -recursive -diff "$1" >&2
}

check_validate() {
  local dir=$1
  local plugins=(-plugin-dir="$PLUGIN_DIR")
  [[ "$PLUGIN_DIR" == registry ]] && plugins=()
  terraform -chdir="$dir" init -backend=false "${plugins[@]}" -input=false -no-color >"$dir/init.log" 2>&1 || {
    cat "$dir/init.log" >&2
    return 1
  }
  terraform -chdir="$dir" validate -no-color >&2
}

################################################################################
# terraform apply / plan / destroy of the example against moto
################################################################################


# plan_migration_action VARFILE EXPECTED: plans without refresh and checks what is planned for the migration
# trigger: "no-op" (not mentioned) or "replace". (Plain text, not `show -json`: that loads the provider again.)
plan_migration_action() {
  local varfile=$1 expected=$2 got
  terraform -chdir="$EXAMPLE" plan -refresh=false -input=false -no-color -var-file="$varfile" >"$WORK/plan.log" 2>&1 || {
    cat "$WORK/plan.log" >&2
    return 1
  }
  if grep -qF '# terraform_data.migration[0] must be replaced' "$WORK/plan.log"; then
    got=replace
  elif grep -qF 'terraform_data.migration[0]' "$WORK/plan.log"; then
    got=other
    grep -F -A3 'terraform_data.migration[0]' "$WORK/plan.log" >&2
  # grep reads the whole list (no -q): terraform, cut off mid-list, dies of SIGPIPE and pipefail fails the test.
  elif terraform -chdir="$EXAMPLE" state list | grep -xF 'terraform_data.migration[0]' >/dev/null; then
    got=no-op
  else
    got="absent from plan and state" # a plan that never mentions it proves nothing about the trigger
  fi
  log "terraform_data.migration[0] planned: $got, expected $expected"
  [[ "$got" == "$expected" ]]
}

check_apply() {
  log "terraform apply against moto at $ENDPOINT (RDS waiters make this take about 90 s)"
  if ! timeout 600 terraform -chdir="$EXAMPLE" apply -auto-approve -input=false -no-color -var-file="$WORK/test.tfvars" >"$WORK/apply.log" 2>&1; then
    tail -n 60 "$WORK/apply.log" >&2
    log "terraform apply failed; full log: $WORK/apply.log (use --keep to keep it)"
    return 1
  fi
  # The trigger ran the script, and the script finished.
  grep -F 'terraform_data.migration[0] (local-exec): Executing:' "$WORK/apply.log" | sed 's/^/run-tests: /' >&2
  grep -F 'terraform_data.migration[0]: Creation complete' "$WORK/apply.log" >&2
  grep -F '(local-exec)' "$WORK/apply.log" | sed 's/^/run-tests: | /' | tail -n 40 >&2 || true

  local tdef cluster
  terraform -chdir="$EXAMPLE" output -json >"$WORK/outputs.json"
  tdef=$(terraform -chdir="$EXAMPLE" output -raw task_definition_arn)
  cluster=$(terraform -chdir="$EXAMPLE" output -raw ecs_cluster_name)
  # What moto holds: the task definition as registered and the task role's inline policy.
  aws --endpoint-url "$ENDPOINT" ecs describe-task-definition --task-definition "$tdef" --output json >"$WORK/taskdef.json"
  aws --endpoint-url "$ENDPOINT" iam get-role-policy --role-name "$(terraform -chdir="$EXAMPLE" output -raw task_role_arn | sed 's,.*/,,')" \
    --policy-name ferry-task --output json >"$WORK/task-policy.json"
  aws --endpoint-url "$ENDPOINT" iam get-role-policy --role-name "$(terraform -chdir="$EXAMPLE" output -raw execution_role_arn | sed 's,.*/,,')" \
    --policy-name ferry-execution --output json >"$WORK/execution-policy.json"
  aws --endpoint-url "$ENDPOINT" ecr get-repository-policy --repository-name "$(terraform -chdir="$EXAMPLE" output -raw ecr_repository_name)" \
    --output json >"$WORK/repository-policy.json"
  python3 - "$WORK/outputs.json" "$WORK/taskdef.json" "$WORK/task-policy.json" "$DIGEST" "$WORK/execution-policy.json" \
    "$WORK/repository-policy.json" <<'PY'
import json, sys, urllib.parse
out = {k: v["value"] for k, v in json.load(open(sys.argv[1])).items()}
td = json.load(open(sys.argv[2]))["taskDefinition"]
def policy(answer, key):
    doc = answer[key]
    return json.loads(urllib.parse.unquote(doc)) if isinstance(doc, str) else doc
doc = policy(json.load(open(sys.argv[3])), "PolicyDocument")
digest = sys.argv[4]
execution = policy(json.load(open(sys.argv[5])), "PolicyDocument")
repository = policy(json.load(open(sys.argv[6])), "policyText")
errors = []
def expect(what, got, want):
    if got != want:
        errors.append(f"{what}: got {got!r}, want {want!r}")

# The trigger ran, with this digest and this task definition.
expect("migration_id is set", bool(out["migration_id"]), True)
expect("trigger's task definition", out["migration_input"]["task_definition"], out["task_definition_arn"])
expect("trigger's image digest", out["migration_input"]["image_digest"], digest)

# The task definition.
expect("compatibilities", td.get("requiresCompatibilities"), ["FARGATE"])
expect("network mode", td.get("networkMode"), "awsvpc")
expect("cpu/memory (variables.tf defaults)", (str(td.get("cpu")), str(td.get("memory"))), ("512", "1024"))
(c,) = td["containerDefinitions"]
expect("container name", c["name"], "ferry")
expect("image", c["image"], f"{out['ecr_repository_url']}@{digest}")
expect("read-only root", c.get("readonlyRootFilesystem"), True)
expect("log driver", c["logConfiguration"]["logDriver"], "awslogs")
env = {e["name"]: e["value"] for e in c.get("environment", [])}
expect("FERRY_ENVIRONMENT", env.get("FERRY_ENVIRONMENT"), "ci")
expect("FERRY_DB_SECRET_ID", env.get("FERRY_DB_SECRET_ID"), out["db_secret_arn"])
expect("FERRY_PLACEHOLDER_SECRETS", env.get("FERRY_PLACEHOLDER_SECRETS"), "api_db=" + out["api_db_secret_arn"])
expect("FERRY_SNAPSHOT_CLUSTER_ID", env.get("FERRY_SNAPSHOT_CLUSTER_ID"), "ferry-ci")
expect("FERRY_DB_HOST", env.get("FERRY_DB_HOST"), out["cluster_endpoint"])
expect("FERRY_LOG_FORMAT", env.get("FERRY_LOG_FORMAT"), "json")
expect("FERRY_REHEARSE", env.get("FERRY_REHEARSE"), "clone")
expect("FERRY_REHEARSAL_CLUSTER_ID", env.get("FERRY_REHEARSAL_CLUSTER_ID"), "ferry-ci")
expect("FERRY_REHEARSAL_LOCK_BUDGET", env.get("FERRY_REHEARSAL_LOCK_BUDGET"), "2s")
expect("FERRY_REHEARSAL_INSTANCE_CLASS", env.get("FERRY_REHEARSAL_INSTANCE_CLASS"), "db.t4g.medium")
expect("FERRY_DRIFT", env.get("FERRY_DRIFT"), "warn")

# The task role: exactly these secrets, exactly this cluster and its ferry-* snapshots, and the rehearsal's calls
# on exactly this cluster and on ferry-rehearsal-ci-* clones carrying the ferry:rehearsal tag, nothing else.
st = {s["Sid"]: s for s in doc["Statement"]}
res = lambda s: sorted([s["Resource"]] if isinstance(s["Resource"], str) else s["Resource"])
act = lambda s: sorted([s["Action"]] if isinstance(s["Action"], str) else s["Action"])
expect("task policy statements", sorted(st), ["ClusterSnapshots", "ReadSecrets", "RehearsalCloneFromSource",
                                              "RehearsalCloneInstance", "RehearsalDeleteClone", "RehearsalDescribe"])
expect("secrets readable", res(st["ReadSecrets"]), sorted([out["db_secret_arn"], out["api_db_secret_arn"]]))
cluster = out["cluster_arn"]
rds = cluster.rsplit(":", 2)[0]
snapshots = rds + ":cluster-snapshot:ferry-*"
expect("RDS resources", res(st["ClusterSnapshots"]), sorted([cluster, snapshots]))
clones = [rds + ":cluster:ferry-rehearsal-ci-*", rds + ":db:ferry-rehearsal-ci-*"]
expect("clone source", res(st["RehearsalCloneFromSource"]),
       sorted([cluster] + clones + [rds + ":subgrp:*", rds + ":cluster-pg:*"]))
expect("clone calls", act(st["RehearsalCloneFromSource"]), ["rds:RestoreDBClusterToPointInTime"])
expect("clone instance", act(st["RehearsalCloneInstance"]), ["rds:AddTagsToResource", "rds:CreateDBInstance"])
expect("clone deletion", res(st["RehearsalDeleteClone"]), sorted(clones))
expect("clone deletion calls", act(st["RehearsalDeleteClone"]), ["rds:DeleteDBCluster", "rds:DeleteDBInstance"])
for sid, key in [("RehearsalCloneFromSource", "aws:RequestTag/ferry:rehearsal"),
                 ("RehearsalCloneInstance", "aws:RequestTag/ferry:rehearsal"),
                 ("RehearsalDeleteClone", "aws:ResourceTag/ferry:rehearsal")]:
    expect(sid + " condition", st[sid].get("Condition", {}).get("StringEquals", {}).get(key), "true")

# The execution role pulls from the repository the image names (here the created one), nothing else; the
# repository policy lets the account in ecr_repository_read_access pull.
ex = {s["Sid"]: s for s in execution["Statement"]}
repository_arn = "arn:aws:ecr:eu-west-1:%s:repository/%s" % (out["ecr_repository_url"].split(".")[0], out["ecr_repository_name"])
expect("EcrPull repositories", res(ex["EcrPull"]), [repository_arn])
expect("EcrPull actions", act(ex["EcrPull"]), ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"])
(pull,) = repository["Statement"]
expect("repository policy principal", pull["Principal"], {"AWS": "arn:aws:iam::210987654321:root"})
expect("repository policy actions", act(pull), ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"])

for e in errors:
    print(f"run-tests: {e}", file=sys.stderr)
print(f"run-tests: trigger, task definition, task and execution roles, repository policy checked, {len(errors)} problem(s)", file=sys.stderr)
sys.exit(1 if errors else 0)
PY
  # moto holds the task that ecs/run-migration started: stopped, container exit code 0.
  local -a tasks
  read -r -a tasks <<<"$(aws --endpoint-url "$ENDPOINT" ecs list-tasks --cluster "$cluster" --query 'taskArns' --output text)"
  ((${#tasks[@]} == 1)) || {
    log "expected 1 task in the ECS cluster, found ${#tasks[@]}"
    return 1
  }
  local status
  status=$(aws --endpoint-url "$ENDPOINT" ecs describe-tasks --cluster "$cluster" --tasks "${tasks[0]}" \
    --query "tasks[0].[lastStatus, taskDefinitionArn, containers[?name=='ferry'] | [0].exitCode]" --output text)
  log "task in moto: $status"
  [[ "$status" == "STOPPED"$'\t'"$tdef"$'\t'"0" ]]
}

check_trigger_stable() {
  plan_migration_action "$WORK/test.tfvars" no-op
}

check_trigger_on_new_digest() {
  sed "s/^image_digest *=.*/image_digest = \"sha256:$(printf 'b%.0s' {1..64})\"/" "$WORK/test.tfvars" >"$WORK/new-digest.tfvars"
  plan_migration_action "$WORK/new-digest.tfvars" replace
}

check_trigger_on_db_change() {
  local probe=$WORK/db/migration/V999999__terraform_trigger_probe.sql
  mkdir -p "$(dirname "$probe")"
  echo "-- probe written by terraform/test/run-tests.sh" >"$probe"
  local rc=0
  plan_migration_action "$WORK/test.tfvars" replace || rc=$?
  rm -f "$probe"
  return "$rc"
}

check_destroy() {
  # No refresh: the state is the one apply just wrote (and moto's RDS waiters already cost a minute).
  if ! timeout 600 terraform -chdir="$EXAMPLE" destroy -refresh=false -auto-approve -input=false -no-color -var-file="$WORK/test.tfvars" >"$WORK/destroy.log" 2>&1; then
    tail -n 40 "$WORK/destroy.log" >&2
    return 1
  fi
  grep -F 'Destroy complete!' "$WORK/destroy.log" >&2
  local left
  left=$(terraform -chdir="$EXAMPLE" state list | wc -l)
  log "resources left in state: $left"
  ((left == 0))
}

start_moto() {
  local port
  port=$(free_port)
  ENDPOINT="http://127.0.0.1:$port"
  moto_server -H 127.0.0.1 -p "$port" >"$WORK/moto.log" 2>&1 &
  MOTO_PID=$!

  for _ in $(seq 1 100); do
    if python3 -c 'import sys, urllib.request; urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=1)' "$ENDPOINT" 2>/dev/null; then
      log "moto_server (pid $MOTO_PID) listening on $ENDPOINT"
      # ECS tasks stop at the first describe-tasks (they would move one status per call): saves ~8 s of polling.
      python3 -c 'import sys, urllib.request
urllib.request.urlopen(urllib.request.Request(sys.argv[1] + "/moto-api/state-manager/set-transition",
    data=b"{\"model_name\": \"ecs::task\", \"transition\": {\"progression\": \"immediate\"}}", method="POST"), timeout=10)' "$ENDPOINT"
      return 0
    fi
    kill -0 "$MOTO_PID" 2>/dev/null || break
    sleep 0.2
  done
  log "moto_server did not start; its log:"
  cat "$WORK/moto.log" >&2
  return 1
}

stop_moto() {
  if [[ -n "${MOTO_PID:-}" ]]; then
    kill "$MOTO_PID" 2>/dev/null || true
    wait "$MOTO_PID" 2>/dev/null || true
    MOTO_PID=
  fi
}

# Copies the repository's layout into $WORK: terraform/ (copied), db/ (copied, so the hash is stable and
# can be changed by the test) and ecs/ (a link to the repository's, or a stub given with --run-migration).
prepare_copy() {
  local repo_root=$1 stub=$2
  mkdir -p "$WORK/terraform"
  (cd "$repo_root/terraform" && tar --exclude=.terraform --exclude='*.tfstate*' --exclude=.terraform.lock.hcl \
    --exclude=node_modules -cf - .) | tar -C "$WORK/terraform" -xf -
  if [[ -d "$repo_root/db" ]]; then cp -R "$repo_root/db" "$WORK/db"; else mkdir -p "$WORK/db"; fi
  if [[ -n "$stub" ]]; then
    mkdir -p "$WORK/ecs"
    ln -s "$stub" "$WORK/ecs/run-migration"
  else
    ln -s "$repo_root/ecs" "$WORK/ecs"
  fi
}

################################################################################

cleanup() {
  stop_moto
  if [[ -n "${WORK:-}" && -d "$WORK" ]]; then
    if [[ "${KEEP:-0}" == 1 ]]; then
      log "kept $WORK"
    else
      rm -rf "$WORK"
    fi
  fi
}

main() {
  set -euo pipefail
  local static_only=0 require_tf=0 stub=""
  [[ "${CI:-}" == true ]] && require_tf=1
  KEEP=0
  while (($#)); do
    case $1 in
      --static-only) static_only=1 ;;
      --require-terraform) require_tf=1 ;;
      --run-migration)
        [[ $# -ge 2 ]] || {
          log "--run-migration needs a PATH"
          usage >&2
          return 2
        }
        stub=$(realpath "$2")
        shift
        ;;
      --keep) KEEP=1 ;;
      -h | --help)
        usage
        return 0
        ;;
      *)
        log "unknown argument: $1"
        usage >&2
        return 2
        ;;
    esac
    shift
  done

  local started=$SECONDS test_dir tf_root repo_root
  test_dir=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
  tf_root=$(dirname "$test_dir")
  repo_root=$(dirname "$tf_root")

  local tool
  for tool in python3 node npm; do
    command -v "$tool" >/dev/null || {
      log "$tool is not installed: it is needed to parse the .tf files"
      return 3
    }
  done
  if [[ -n "$stub" && ! -x "$stub" ]]; then
    log "--run-migration $stub is not an executable file"
    return 2
  fi

  skip_pyenv_shims # python3, aws and moto_server started directly (ecs/run-migration calls aws every second)

  # Never real AWS: dummy credentials, no profile, no instance metadata, and moto as the default endpoint.
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
  export TF_CLI_CONFIG_FILE=/dev/null TF_IN_AUTOMATION=1 TF_INPUT=0 CHECKPOINT_DISABLE=1
  unset TF_DATA_DIR TF_WORKSPACE TF_CLI_ARGS TF_CLI_ARGS_apply TF_CLI_ARGS_plan TF_CLI_ARGS_destroy

  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-terraform-test.XXXXXX")
  trap cleanup EXIT
  trap 'exit 130' INT TERM

  run_check "hcl2json parses every .tf file" check_hcl_parse "$tf_root" "$WORK/parsed.json" "$test_dir" || true
  if [[ -s "$WORK/parsed.json" ]]; then
    run_check "every variable has a description and a type" check_variables "$WORK/parsed.json" || true
    run_check "README inputs/outputs tables match variables.tf/outputs.tf" check_readme_tables "$tf_root" "$test_dir" || true
    run_check "module and ecs/task-definition.json.tpl: same environment names and defaults" \
      check_container_environment "$repo_root" "$test_dir" || true
    run_check "the environment check fails on a changed default or a dropped name" \
      check_container_environment_fails "$repo_root" "$test_dir" || true
  else
    run_check "every variable has a description and a type" false || true
  fi

  PLUGIN_DIR=${FERRY_TF_PLUGIN_DIR:-/opt/tf-plugins}
  local have_tf=1
  if ! command -v terraform >/dev/null; then
    log "terraform is not installed: fmt, validate and the apply test against moto are NOT run (only the HCL parse and variable checks)"
    have_tf=0
  elif [[ "$PLUGIN_DIR" != registry && ! -d "$PLUGIN_DIR" ]]; then
    log "no offline provider copy at $PLUGIN_DIR: fmt, validate and the apply test against moto are NOT run"
    have_tf=0
  fi
  if ((have_tf == 0)); then
    ((require_tf == 0)) || return 3
    skip_check "terraform fmt/validate/apply" "terraform or $PLUGIN_DIR missing"
  else
    prepare_copy "$repo_root" "$stub"
    EXAMPLE=$WORK/terraform/examples/aurora-postgresql

    run_check "terraform fmt -check -recursive" check_fmt "$tf_root" || true
    run_check "terraform validate: module" check_validate "$WORK/terraform" || true
    local example_valid=0
    run_check "terraform validate: examples/aurora-postgresql" check_validate "$EXAMPLE" && example_valid=1

    if ((static_only)); then
      skip_check "apply/destroy against moto" "--static-only"
    elif ! command -v moto_server >/dev/null || ! command -v aws >/dev/null; then
      log "moto_server or the AWS CLI is not installed: the apply test against moto is NOT run"
      ((require_tf == 0)) || return 3
      skip_check "apply/destroy against moto" "moto_server or aws missing"
    elif ((example_valid == 0)); then
      skip_check "apply/destroy against moto" "the example does not validate"
    elif [[ ! -x "$WORK/ecs/run-migration" ]]; then
      log "ecs/run-migration is missing or not executable in $repo_root (give a stub with --run-migration PATH)"
      run_check "ecs/run-migration exists" false || true
    else
      [[ -n "$stub" ]] && log "ecs/run-migration is the stub $stub, not the repository's script"
      # In this shell, not a run_check subshell: cleanup must know the pid.
      if start_moto; then PASSED=$((PASSED + 1)); else
        FAILED=$((FAILED + 1))
        echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
        return 1
      fi
      export AWS_ENDPOINT_URL=$ENDPOINT
      # ecs/run-migration polls every 6 s and waits 5 s for late log lines by default; moto writes no logs.
      export FERRY_ECS_POLL=${FERRY_ECS_POLL:-1} FERRY_ECS_LOG_SETTLE=${FERRY_ECS_LOG_SETTLE:-0}
      DIGEST="sha256:$(printf 'a%.0s' {1..64})"
      cat >"$WORK/test.tfvars" <<EOF
aws_endpoint_url               = "$ENDPOINT"
image_digest                   = "$DIGEST"
environment                    = "ci"
rehearse                       = true
rehearsal_lock_budget          = "2s"
secret_recovery_window_in_days = 0
ecr_force_delete               = true
ecr_repository_read_access     = ["210987654321"]
migration_timeout              = 300
EOF
      if run_check "apply runs the migration through ecs/run-migration" check_apply; then
        run_check "no new migration on an unchanged plan" check_trigger_stable || true
        run_check "a new image digest triggers the migration" check_trigger_on_new_digest || true
        run_check "a changed db/ file triggers the migration" check_trigger_on_db_change || true
      fi
      run_check "destroy leaves nothing in state" check_destroy || true
      stop_moto
    fi
  fi

  log "done in $((SECONDS - started)) s"
  ((FAILED == 0)) || log "failed: ${FAILED_NAMES[*]}"
  echo "$PASSED passed, $FAILED failed, $SKIPPED skipped"
  ((FAILED == 0)) || return 1
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
