#!/usr/bin/env bash
# Runs README.md's Terraform, GitHub CLI and AWS CLI blocks as written, in a scratch copy of the repository
# (terraform/, db/, ecs/: run-tests.sh's prepare_copy), against moto_server on a free loopback port. The blocks are
# read from README.md at each run, so this check cannot drift from the text:
#   block "From zero, in order" (the one with `terraform workspace select -or-create dev`): run from the copy's
#     root in a shell of its own; its `terraform apply` prompts are answered "yes" on stdin. Then: workspaces dev,
#     test and prod each have a state with resources; moto holds the task-definition families ferry-dev, ferry-test
#     and ferry-prod and one ECR repository, dev's; test's and prod's task definitions run images from it.
#   block "GitHub variables" (the one with `gh variable set`): run from the example's folder with a recording
#     stand-in `gh` first on PATH. Then: the recorded calls created the six GitHub environments dev, dev-plan,
#     test, test-plan, prod, prod-plan and set in each, non-empty, every variable plan-environment.yml and
#     migrate.yml read (TASK_DEFINITION = ferry-<env>), and in the repository every variable deploy.yml reads.
#   block "Where each image digest comes from" (the one with `aws ecr describe-images`): first what the pipeline
#     does before it (deploy.yml's push, as an image manifest put into moto's ECR under the tag <commit>; then
#     plan-environment.yml's ecs/register-revision of ferry-prod with <dev's repository>:<commit>); then its three
#     statements from the example's folder, each in a shell of its own. Then: the first printed dev's
#     repository:<commit>, the second the pushed manifest's digest, and the apply with it succeeded, ran the
#     migration trigger (ecs/run-migration against moto), and ferry-prod's newest revision runs
#     <dev's repository>@<that digest>.
# Terraform's own mechanisms point the unchanged commands at moto: an override.tf in the copy's example sets the
# default of the example's aws_endpoint_url (moto's URL), and TF_CLI_CONFIG_FILE names a CLI configuration whose
# filesystem_mirror is the offline provider copy, so the README's bare `terraform init` works offline. The AWS CLI
# reaches moto through AWS_ENDPOINT_URL, with dummy credentials.
# Substituted in the blocks, and nothing else (each is a placeholder the README documents):
#   <pin>       (RDS_CA_SHA256's value)  -> 64 hex zeros-and-ones, a dummy pin (gh is a stand-in)
#   <commit>    (the image tag)          -> what the block's first statement printed after the last ':'
#   sha256:…    (the digest)             -> what the block's second statement printed
# ("owner/name" and gh's own "{owner}/{repo}" are values the blocks pass as they are.)
#
# usage: terraform/test/readme-blocks.sh [--keep]      --keep leaves the scratch copy (states, logs) and names it
# environment: FERRY_TF_PLUGIN_DIR (/opt/tf-plugins)
# exit codes: 0 all checks passed, 1 a check failed (the reason on stderr), 2 bad usage,
#             3 a tool is missing (terraform and the provider copy, moto_server, aws, python3, git, jq)

BLOCKS_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$BLOCKS_DIR/../.." && pwd)"
# start_moto, stop_moto, prepare_copy, free_port, skip_pyenv_shims.
# shellcheck source=run-tests.sh
source "$BLOCKS_DIR/run-tests.sh"

log() { echo "[$(date +%H:%M:%S)] readme-blocks: $*" >&2; }
fail() { echo "FAIL: $*" >&2; exit 1; }
pass() { echo "ok   $*"; }

usage() {
  sed -n '2,/^# exit codes/p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//' >&2
  sed -n '/^# exit codes/,/^$/p' "${BASH_SOURCE[0]}" | sed -n '2,$p' | sed 's/^# \{0,1\}//' >&2
  exit 2
}

# readme_block PATTERN: the fenced bash block of README.md whose text matches the extended regex PATTERN,
# without its fence and the list item's three-space indentation (what a reader copies). Exactly one must match.
readme_block() {
  awk -v pattern="$1" '
    /^[[:space:]]*```bash[[:space:]]*$/ { inside = 1; block = ""; next }
    inside && /^[[:space:]]*```[[:space:]]*$/ { inside = 0; if (block ~ pattern) { found++; text = block } next }
    inside { sub(/^   /, ""); block = block $0 "\n" }
    END { if (found != 1) exit 3; printf "%s", text }
  ' "$REPO_ROOT/README.md"
}

# run_script NAME DIR SCRIPT: SCRIPT in a shell of its own (errexit, nounset, pipefail) in DIR, every terraform
# prompt answered "yes"; output to $WORK/NAME.log; on failure its last lines and exit 1.
run_script() {
  local name=$1 dir=$2 script=$3 rc=0
  printf 'set -euo pipefail\n%s\n' "$script" >"$WORK/$name.sh"
  (cd "$dir" && bash "$WORK/$name.sh" < <(yes yes)) >"$WORK/$name.log" 2>&1 || rc=$?
  if ((rc != 0)); then
    tail -n 40 "$WORK/$name.log" >&2
    fail "README's $name exited $rc (last lines above; script: $WORK/$name.sh, kept with --keep)"
  fi
}

tf_in() { # WORKSPACE terraform-args...
  local workspace=$1
  shift
  (cd "$EXAMPLE" && TF_WORKSPACE=$workspace terraform "$@")
}

setup() {
  local tool
  for tool in terraform moto_server aws python3 git; do
    command -v "$tool" >/dev/null || { echo "$tool is not installed" >&2; exit 3; }
  done
  PLUGIN_DIR=${FERRY_TF_PLUGIN_DIR:-/opt/tf-plugins}
  [[ -d "$PLUGIN_DIR" ]] || { echo "no offline provider copy at $PLUGIN_DIR" >&2; exit 3; }
  if ! command -v jq >/dev/null; then
    [[ $(id -u) == 0 ]] || { echo "jq is not installed (apt-get install -y jq)" >&2; exit 3; }
    log "installing jq"
    DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null 2>&1 \
      || { apt-get update -q >/dev/null && DEBIAN_FRONTEND=noninteractive apt-get install -y -q jq >/dev/null; } \
      || { echo "apt-get install jq failed" >&2; exit 3; }
  fi

  skip_pyenv_shims # python3, aws and moto_server started directly (.ci/pyenv-shims.sh, sourced by run-tests.sh)

  # Never real AWS: dummy credentials, no profile, no instance metadata, moto as every service's endpoint.
  unset AWS_PROFILE AWS_SESSION_TOKEN AWS_SECURITY_TOKEN AWS_ROLE_ARN AWS_WEB_IDENTITY_TOKEN_FILE
  export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_REGION=eu-west-1 AWS_DEFAULT_REGION=eu-west-1
  export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
  # A reader's terraform prompts for apply: no TF_INPUT=0, no -auto-approve.
  unset TF_DATA_DIR TF_WORKSPACE TF_CLI_ARGS TF_CLI_ARGS_apply TF_CLI_ARGS_init TF_INPUT
  export TF_IN_AUTOMATION=1 CHECKPOINT_DISABLE=1
  # ecs/run-migration polls every 6 s and waits 5 s for late log lines by default; moto writes no logs.
  export FERRY_ECS_POLL=1 FERRY_ECS_LOG_SETTLE=0

  prepare_copy "$REPO_ROOT" ""
  EXAMPLE=$WORK/terraform/examples/aurora-postgresql
  start_moto || fail "moto_server did not start"
  export AWS_ENDPOINT_URL=$ENDPOINT

  cat >"$WORK/terraform.rc" <<EOF
provider_installation {
  filesystem_mirror {
    path = "$PLUGIN_DIR"
  }
}
EOF
  export TF_CLI_CONFIG_FILE=$WORK/terraform.rc
  cat >"$EXAMPLE/override.tf" <<EOF
# readme-blocks.sh: the README's commands, unchanged, against moto (the example's own emulation switch).
variable "aws_endpoint_url" {
  default = "$ENDPOINT"
}
EOF

  # The stand-in gh: one line per call (arguments separated by tabs), then each -f file's lines prefixed "| ".
  mkdir -p "$WORK/bin"
  export GH_LOG=$WORK/gh-calls.log
  : >"$GH_LOG"
  cat >"$WORK/bin/gh" <<'EOF'
#!/usr/bin/env bash
set -euo pipefail
{
  (IFS=$'\t'; printf 'gh\t%s\n' "$*")
  previous=""
  for arg in "$@"; do
    if [[ "$previous" == -f ]]; then sed 's/^/| /' "$arg"; fi
    previous=$arg
  done
} >>"$GH_LOG"
EOF
  chmod +x "$WORK/bin/gh"
}

check_provision_block() {
  local block t0=$SECONDS
  block=$(readme_block 'terraform workspace select -or-create dev') \
    || fail "README.md must have exactly one bash block with 'terraform workspace select -or-create dev'"
  log "README's provisioning block: init, then dev, test and prod applied against moto (the RDS waiters: minutes)"
  run_script provision-block "$WORK" "$block"
  local workspace resources
  for workspace in dev test prod; do
    [[ -f "$EXAMPLE/terraform.tfstate.d/$workspace/terraform.tfstate" ]] || fail "workspace $workspace has no state"
    resources=$(jq '.resources | length' "$EXAMPLE/terraform.tfstate.d/$workspace/terraform.tfstate")
    ((resources > 0)) || fail "workspace $workspace's state holds no resources"
    aws ecs describe-task-definition --task-definition "ferry-$workspace" --output json >"$WORK/taskdef-$workspace.json" \
      || fail "moto has no task-definition family ferry-$workspace"
  done
  DEV_REPOSITORY=$(tf_in dev output -raw ecr_repository_url)
  DEV_REPOSITORY_NAME=$(tf_in dev output -raw ecr_repository_name)
  for workspace in dev test prod; do
    local image
    image=$(jq -r '.taskDefinition.containerDefinitions[0].image' "$WORK/taskdef-$workspace.json")
    [[ "$image" == "$DEV_REPOSITORY@sha256:"* ]] || fail "ferry-$workspace runs $image, not an image of dev's repository $DEV_REPOSITORY"
  done
  local repositories
  repositories=$(aws ecr describe-repositories --query 'repositories[].repositoryUri' --output text)
  [[ "$repositories" == "$DEV_REPOSITORY" ]] || fail "moto's ECR holds $repositories; expected dev's repository alone"
  pass "README's provisioning block ran as written in $((SECONDS - t0)) s: workspaces dev, test, prod each with a state; families ferry-dev, ferry-test, ferry-prod in moto; test and prod run images from dev's repository, the only one"
}

check_github_block() {
  local block script t0=$SECONDS
  block=$(readme_block 'gh variable set') || fail "README.md must have exactly one bash block with 'gh variable set'"
  grep -qF -- '<pin>' <<<"$block" || fail "README's GitHub block no longer has the placeholder <pin>: update this check's substitution"
  script=${block//'<pin>'/$PIN}
  PATH="$WORK/bin:$PATH" run_script github-block "$EXAMPLE" "$script"

  local env_vars repo_vars github_env env name value
  env_vars=$(grep -ho 'vars\.[A-Z0-9_]*' "$REPO_ROOT/.github/workflows/plan-environment.yml" \
    "$REPO_ROOT/.github/workflows/migrate.yml" | sed 's/vars\.//' | sort -u)
  repo_vars=$(grep -ho 'vars\.[A-Z0-9_]*' "$REPO_ROOT/.github/workflows/deploy.yml" | sed 's/vars\.//' | sort -u)
  [[ -n "$env_vars" && -n "$repo_vars" ]] || fail "no vars.* found in the workflows"
  # The variables each recorded `gh variable set ... -f FILE` call set: "<target> NAME=VALUE" lines.
  awk -F'\t' '
    /^gh\t/ { target = ""; if ($2 == "variable" && $3 == "set") { target = "repository"; for (i = 4; i <= NF; i++) if ($i == "--env") target = $(i + 1)
              if ($4 !~ /^-/) print target " " $4 "=" $(NF) } next }
    /^\| / && target != "" { print target " " substr($0, 3) }
  ' "$GH_LOG" >"$WORK/gh-variables.txt"
  for env in dev test prod; do
    for github_env in "$env" "$env-plan"; do
      grep -qxF "gh"$'\t'"api"$'\t'"--method"$'\t'"PUT"$'\t'"repos/{owner}/{repo}/environments/$github_env" "$GH_LOG" \
        || fail "the GitHub block did not create the environment $github_env (calls: $GH_LOG)"
      for name in $env_vars; do
        value=$(sed -n "s/^$github_env $name=//p" "$WORK/gh-variables.txt" | tail -n 1)
        [[ -n "$value" && "$value" != null ]] || fail "the GitHub block set no $name in the environment $github_env"
      done
      grep -qxF "$github_env TASK_DEFINITION=ferry-$env" "$WORK/gh-variables.txt" \
        || fail "the environment $github_env did not get TASK_DEFINITION=ferry-$env"
    done
  done
  for name in $repo_vars; do
    value=$(sed -n "s/^repository $name=//p" "$WORK/gh-variables.txt" | tail -n 1)
    [[ -n "$value" && "$value" != null ]] || fail "the GitHub block set no repository variable $name"
  done
  grep -qxF "repository ECR_REPOSITORY=$DEV_REPOSITORY_NAME" "$WORK/gh-variables.txt" \
    || fail "the repository's ECR_REPOSITORY is not dev's repository $DEV_REPOSITORY_NAME"
  pass "README's GitHub block ran as written in $((SECONDS - t0)) s (<pin> given): environments dev, dev-plan, test, test-plan, prod, prod-plan created, each with $(echo $env_vars | tr ' ' ,); the repository with $(echo $repo_vars | tr ' ' ,)"
}

# The block's statements, one a line (continuation lines joined, comments kept).
statements() {
  awk '{ line = line $0 } /\\$/ { sub(/\\$/, "", line); next } { print line; line = "" }'
}

check_digest_block() {
  local block t0=$SECONDS
  block=$(readme_block 'aws ecr describe-images') || fail "README.md must have exactly one bash block with 'aws ecr describe-images'"
  local -a stmts
  mapfile -t stmts < <(statements <<<"$block")
  ((${#stmts[@]} == 3)) || fail "README's digest block has ${#stmts[@]} statements; this check knows three (image, digest, apply)"

  # What the pipeline did before: deploy.yml pushed <registry>/<ECR_REPOSITORY>:<commit> (here an image manifest
  # put into moto's ECR), plan-environment.yml registered ferry-prod's next revision with it (ecs/register-revision).
  local commit manifest pushed_digest
  commit=$(git -C "$REPO_ROOT" rev-parse HEAD 2>/dev/null || printf '0%.0s' {1..40})
  manifest='{"schemaVersion":2,"mediaType":"application/vnd.oci.image.manifest.v1+json","config":{"mediaType":"application/vnd.oci.image.config.v1+json","digest":"sha256:'$(printf 'c%.0s' {1..64})'","size":2},"layers":[]}'
  pushed_digest=$(aws ecr put-image --repository-name "$DEV_REPOSITORY_NAME" --image-tag "$commit" \
    --image-manifest "$manifest" --query 'image.imageId.imageDigest' --output text) || fail "moto's ECR refused the image manifest"
  "$WORK/ecs/register-revision" --task-definition ferry-prod --image "$DEV_REPOSITORY:$commit" >"$WORK/revision.txt" \
    2>"$WORK/register-revision.log" || { cat "$WORK/register-revision.log" >&2; fail "ecs/register-revision of ferry-prod failed"; }

  local image printed_commit digest
  run_script digest-block-1 "$EXAMPLE" "${stmts[0]}"
  image=$(tail -n 1 "$WORK/digest-block-1.log")
  [[ "$image" == "$DEV_REPOSITORY:$commit" ]] || fail "the digest block's first statement printed '$image', not $DEV_REPOSITORY:$commit"
  printed_commit=${image##*:}

  grep -qF -- '<commit>' <<<"${stmts[1]}" || fail "the digest block's second statement has no <commit>: update this check"
  run_script digest-block-2 "$EXAMPLE" "${stmts[1]//'<commit>'/$printed_commit}"
  digest=$(tail -n 1 "$WORK/digest-block-2.log")
  [[ "$digest" == "$pushed_digest" && "$digest" == sha256:* ]] \
    || fail "the digest block's second statement printed '$digest', not the pushed image's $pushed_digest"

  grep -qF -- 'sha256:…' <<<"${stmts[2]}" || fail "the digest block's third statement has no sha256:…: update this check"
  log "README's digest block: prod applied with $digest (its migration trigger runs ecs/run-migration against moto)"
  run_script digest-block-3 "$EXAMPLE" "${stmts[2]//'sha256:…'/$digest}"
  grep -q 'Apply complete!' "$WORK/digest-block-3.log" || fail "the digest block's apply did not complete"
  grep -q 'terraform_data.migration\[0\]: Creation complete' "$WORK/digest-block-3.log" \
    || fail "the digest block's apply did not run the migration trigger"
  local newest
  newest=$(aws ecs describe-task-definition --task-definition ferry-prod \
    --query 'taskDefinition.containerDefinitions[0].image' --output text)
  [[ "$newest" == "$DEV_REPOSITORY@$digest" ]] || fail "ferry-prod's newest revision runs $newest, not $DEV_REPOSITORY@$digest"
  pass "README's digest block ran as written in $((SECONDS - t0)) s (<commit>, sha256:… given as printed): image $image, digest $digest; the apply migrated, ferry-prod's newest revision runs $DEV_REPOSITORY@$digest"
}

cleanup_blocks() {
  stop_moto
  if [[ -n "${WORK:-}" && -d "$WORK" ]]; then
    if [[ "$KEEP" == 1 ]]; then log "kept $WORK"; else rm -rf "$WORK"; fi
  fi
}

main() {
  set -euo pipefail
  KEEP=0
  case "${1:-}" in
    "") ;;
    --keep) KEEP=1 ;;
    *) usage ;;
  esac
  local t0=$SECONDS
  PIN=$(printf '01%.0s' {1..32})
  WORK=$(mktemp -d "${TMPDIR:-/tmp}/ferry-readme-blocks.XXXXXX")
  trap cleanup_blocks EXIT
  trap 'exit 130' INT TERM
  setup
  check_provision_block
  check_github_block
  check_digest_block
  echo "== README's Terraform, gh and aws blocks passed in $((SECONDS - t0)) s"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
