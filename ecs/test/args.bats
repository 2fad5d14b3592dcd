#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2054,SC1091,SC2030,SC2031,SC2016 # bats sets stderr/lines; comma lists are ids; sourced at run time
# Command-line and environment handling (no AWS call is made: parse_args only, or an early exit 64).

setup() {
  load test_helper
  unset FERRY_ECS_CLUSTER FERRY_ECS_TASK_DEFINITION FERRY_ECS_SUBNETS FERRY_ECS_SECURITY_GROUPS \
    FERRY_ECS_CONTAINER FERRY_ECS_ASSIGN_PUBLIC_IP FERRY_ECS_TIMEOUT FERRY_ECS_POLL AWS_REGION \
    AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS AWS_ENDPOINT_URL_CLOUDWATCH_LOGS
  REQ=(--cluster c --task-definition ferry:3 --subnets subnet-a,subnet-b --security-groups sg-1)
}

# parsed ARGS...: parse in a subshell and print the resulting settings, one a line, '-' for empty
parsed() (
  set -o pipefail
  bash -c 'source "$1"; shift; parse_args "$@"; printf "%s\n" "$CLUSTER" "$TASK_DEFINITION" "$SUBNETS" "$SECURITY_GROUPS" \
    "$CONTAINER" "$ASSIGN_PUBLIC_IP" "$TIMEOUT" "$POLL" "$REGION" "$ECS_ENDPOINT" "$LOGS_ENDPOINT" "${#ENV_OVERRIDES[@]}"' \
    parsed "$RUN_MIGRATION" "$@" | sed 's/^$/-/' # bats drops empty lines from ${lines[@]}
)

@test "--help exits 0 and documents flags, variables and every exit code" {
  run "$RUN_MIGRATION" --help
  [ "$status" -eq 0 ]
  for word in --cluster --task-definition --subnets --security-groups --container --assign-public-ip --env \
    --timeout --poll --region --endpoint-url FERRY_ECS_CLUSTER FERRY_ECS_TASK_DEFINITION FERRY_ECS_SUBNETS \
    FERRY_ECS_SECURITY_GROUPS FERRY_ECS_CONTAINER FERRY_ECS_ASSIGN_PUBLIC_IP FERRY_ECS_TIMEOUT FERRY_ECS_POLL; do
    [[ $output == *"$word"* ]] || { echo "missing $word"; return 1; }
  done
  # Which codes: the next test, from the script's own tables (FERRY_EXIT_MEANINGS is generated from ExitStatus).
  grep -Eq "^  130/143 " <<<"$output" || { echo "the signal codes are not listed"; return 1; }
  [[ $output != *1-10* ]]
}

@test "--help lists Ferry's codes by the meanings the script reports them with, and its own from its table" {
  run "$RUN_MIGRATION" --help
  source "$RUN_MIGRATION"
  local code
  for code in "${!FERRY_EXIT_MEANINGS[@]}"; do
    grep -Fqx "$(printf '  %-5s %s' "$code" "${FERRY_EXIT_MEANINGS[$code]}")" <<<"$output" || { echo "Ferry's $code"; return 1; }
  done
  for code in "${!RUN_MIGRATION_EXIT_CODES[@]}"; do
    grep -Fqx "$(printf '  %-5s %s' "$code" "${RUN_MIGRATION_EXIT_CODES[$code]}")" <<<"$output" || { echo "own $code"; return 1; }
  done
}

@test "bad usage exits with the code --help lists for bad usage, none of Ferry's" {
  run "$RUN_MIGRATION" --help
  local usage_code
  usage_code=$(sed -n 's/^  \([0-9][0-9]*\) *bad usage of run-migration .*/\1/p' <<<"$output")
  [ "$usage_code" = 64 ]
  source "$RUN_MIGRATION"
  [ -z "${FERRY_EXIT_MEANINGS[$usage_code]:-}" ]
  run "$RUN_MIGRATION" --cluster c --bogus
  [ "$status" -eq "$usage_code" ]
  [ "$output" = "run-migration: unknown argument: --bogus (see $RUN_MIGRATION --help)" ]
}

@test "defaults: container ferry, DISABLED, timeout 3600, poll 6" {
  run parsed "${REQ[@]}"
  [ "$status" -eq 0 ]
  [ "${lines[4]}" = ferry ]
  [ "${lines[5]}" = DISABLED ]
  [ "${lines[6]}" = 3600 ]
  [ "${lines[7]}" = 6 ]
}

@test "every setting can come from its FERRY_ECS_* variable" {
  FERRY_ECS_CLUSTER=envc FERRY_ECS_TASK_DEFINITION=arn:aws:ecs:eu-west-1:1:task-definition/f:2 \
    FERRY_ECS_SUBNETS=subnet-1 FERRY_ECS_SECURITY_GROUPS=sg-9,sg-8 FERRY_ECS_CONTAINER=app \
    FERRY_ECS_ASSIGN_PUBLIC_IP=enabled FERRY_ECS_TIMEOUT=90 FERRY_ECS_POLL=2 run parsed
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = envc ]
  [ "${lines[1]}" = arn:aws:ecs:eu-west-1:1:task-definition/f:2 ]
  [ "${lines[2]}" = subnet-1 ]
  [ "${lines[3]}" = sg-9,sg-8 ]
  [ "${lines[4]}" = app ]
  [ "${lines[5]}" = ENABLED ]
  [ "${lines[6]}" = 90 ]
  [ "${lines[7]}" = 2 ]
}

@test "a flag wins over its variable; --opt=value works" {
  FERRY_ECS_CLUSTER=envc FERRY_ECS_TIMEOUT=90 run parsed "${REQ[@]}" --cluster=flagc --timeout 5 --env A=1 --env=B=2
  [ "$status" -eq 0 ]
  [ "${lines[0]}" = flagc ]
  [ "${lines[6]}" = 5 ]
  [ "${lines[11]}" = 2 ]
}

@test "endpoint and region: flag, else AWS_ENDPOINT_URL(_SERVICE) and AWS_REGION" {
  AWS_ENDPOINT_URL=http://127.0.0.1:1 AWS_ENDPOINT_URL_ECS=http://127.0.0.1:2 AWS_REGION=eu-central-1 run parsed "${REQ[@]}"
  [ "${lines[8]}" = eu-central-1 ]
  [ "${lines[9]}" = http://127.0.0.1:2 ]
  [ "${lines[10]}" = http://127.0.0.1:1 ]
  AWS_ENDPOINT_URL=http://127.0.0.1:1 AWS_REGION=eu-central-1 run parsed "${REQ[@]}" --endpoint-url http://127.0.0.1:3 --region us-east-1
  [ "${lines[8]}" = us-east-1 ]
  [ "${lines[9]}" = http://127.0.0.1:3 ]
  [ "${lines[10]}" = http://127.0.0.1:3 ]
}

@test "bad usage exits 64 (EX_USAGE, none of Ferry's codes) with a one-line reason" {
  local -a cases=(
    "--task-definition ferry --subnets s --security-groups g"
    "--cluster c --subnets s --security-groups g"
    "--cluster c --task-definition ferry --security-groups g"
    "--cluster c --task-definition ferry --subnets s"
    "${REQ[*]} --bogus"
    "${REQ[*]} positional"
    "${REQ[*]} --timeout"
    "${REQ[*]} --timeout 0"
    "${REQ[*]} --timeout 10m"
    "${REQ[*]} --poll -1"
    "${REQ[*]} --assign-public-ip maybe"
    "${REQ[*]} --env NOEQUALS"
    "${REQ[*]} --env 1X=2"
    "${REQ[*]} --subnets subnet-a,,subnet-b"
    "${REQ[*]} --region="
    "${REQ[*]} --container a.b"
  )
  local c
  for c in "${cases[@]}"; do
    # shellcheck disable=SC2086 # word splitting wanted
    run "$RUN_MIGRATION" $c
    [ "$status" -eq 64 ] || { echo "expected 64 for: $c, got $status: $output"; return 1; }
    [[ ${lines[0]} == "run-migration: "* && ${#lines[@]} -eq 1 ]] || { echo "not one reason line for: $c: $output"; return 1; }
  done
}

@test "usage errors are never one of Ferry's codes nor one of run-migration's task codes" {
  run "$RUN_MIGRATION" --bogus
  local usage_status=$status
  source "$RUN_MIGRATION"
  [ -z "${FERRY_EXIT_MEANINGS[$usage_status]:-}" ] || { echo "usage error exit $usage_status is Ferry's"; return 1; }
  [[ ${RUN_MIGRATION_EXIT_CODES[$usage_status]:-} == "bad usage"* ]] \
    || { echo "usage error exit $usage_status is run-migration's '${RUN_MIGRATION_EXIT_CODES[$usage_status]:-}'"; return 1; }
}

@test "a missing aws CLI is exit 69, not a Ferry code" {
  mkdir -p "$BATS_TEST_TMPDIR/bin"
  local tool
  for tool in tr; do ln -s "$(command -v "$tool")" "$BATS_TEST_TMPDIR/bin/$tool"; done
  PATH="$BATS_TEST_TMPDIR/bin" run "$(command -v bash)" "$RUN_MIGRATION" "${REQ[@]}"
  [ "$status" -eq 69 ]
  [[ $output == *"the AWS CLI (aws) is not on PATH"* ]]
}
