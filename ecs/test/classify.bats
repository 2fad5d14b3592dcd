#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2054,SC1091,SC2030,SC2031,SC2016 # bats sets stderr/lines; comma lists are ids; sourced at run time
# Unit tests: source run-migration and feed its pure functions recorded ECS JSON, read through the script's own
# queries by the AWS CLI's formatter (cli_json), as `aws ... --query Q --output json` reads a real answer.

setup() {
  load test_helper
  # shellcheck source=../run-migration
  source "$RUN_MIGRATION"
}

# described FILE [CONTAINER]: the recorded describe-tasks answer FILE as task_query reads it
described() { cli_json "$(task_query "${2:-ferry}")" <"$FIX/$1"; }

classify() {
  run classify_stopped_task "${2:-ferry}" < <(described "$@")
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  code=$(field 1 "$output")
  reason=$(field 2 "$output")
}

@test "sourcing the script runs nothing and defines its functions" {
  run bash -c "source '$RUN_MIGRATION' && type -t main classify_stopped_task parse_args"
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'function\nfunction\nfunction')" ]
}

@test "container exit code 0 passes through" {
  classify describe-tasks-exit-0.json
  [ "$code" = 0 ]
  [ "$reason" = "container ferry exited with code 0" ]
}

@test "Ferry's exit code 6 passes through unchanged" {
  classify describe-tasks-exit-6.json
  [ "$code" = 6 ]
  [ "$reason" = "container ferry exited with code 6" ]
}

@test "an exit code with a container reason (out of memory) passes through, reason kept" {
  classify describe-tasks-oom-137.json
  [ "$code" = 137 ]
  [[ $reason == *"OutOfMemoryError"* ]]
}

@test "CannotPullContainerError -> 21" {
  classify describe-tasks-image-pull.json
  [ "$code" = 21 ]
  [[ $reason == "image pull failed: stopCode TaskFailedToStart; "*"CannotPullContainerError"* ]]
}

@test "ECR registry auth not retrievable -> 21 (not a secrets failure)" {
  classify describe-tasks-ecr-auth.json
  [ "$code" = 21 ]
}

@test "secret not fetched (ResourceInitializationError, secretsmanager) -> 22" {
  classify describe-tasks-secrets.json
  [ "$code" = 22 ]
  [[ $reason == "secrets or log set-up failed: "*"unable to retrieve secret"* ]]
}

@test "log group missing (ResourceInitializationError, logger args) -> 22" {
  classify describe-tasks-log-setup.json
  [ "$code" = 22 ]
  [[ $reason == *"log group does not exist"* ]]
}

@test "CannotStartContainerError about the logging driver -> 22" {
  classify describe-tasks-log-driver.json
  [ "$code" = 22 ]
}

@test "stopped by a user before the container ran -> 23" {
  classify describe-tasks-user-stop.json
  [ "$code" = 23 ]
  [ "$reason" = "task stopped without an exit code: stopCode UserInitiated; stoppedReason: Task stopped by user" ]
}

@test "Spot interruption without exit code -> 23" {
  classify describe-tasks-spot.json
  [ "$code" = 23 ]
  [[ $reason == *SpotInterruption* ]]
}

@test "essential container exited without an exit code (could not start) -> 23" {
  classify describe-tasks-essential-no-exit-code.json
  [ "$code" = 23 ]
  [[ $reason == *"permission denied"* ]]
}

@test "a task ECS no longer knows (MISSING) -> 23" {
  classify describe-tasks-missing.json
  [ "$code" = 23 ]
  [[ $reason == *MISSING* ]]
}

@test "a container name not in the task -> 23 naming it" {
  classify describe-tasks-exit-0.json sidecar
  [ "$code" = 23 ]
  [[ $reason == *"no container named sidecar"* ]]
}

@test "reasons are one line even when ECS puts newlines in them" {
  run classify_stopped_task ferry < <(cli_json "$(task_query ferry)" <<<'{"tasks":[{"lastStatus":"STOPPED","stopCode":"TaskFailedToStart","stoppedReason":"line one\nline\ttwo","containers":[{"name":"ferry"}]}]}')
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -eq 1 ]
  [[ $output == *"line one line two"* ]]
}

@test "an empty answer -> 23, not a crash" {
  run classify_stopped_task ferry </dev/null
  [ "$status" -eq 0 ]
  [ "$(field 1 "$output")" = 23 ]
}

@test "run-task answer with failures[] RESOURCE:MEMORY -> 20" {
  run run_task_outcome < <(cli_json "$(run_task_query)" <"$FIX/run-task-failures-memory.json")
  [ "$status" -eq 0 ]
  [ "$(field 1 "$output")" = 20 ]
  [ "$(field 2 "$output")" = "no task placed: RESOURCE:MEMORY [arn:aws:ecs:eu-west-1:123456789012:container-instance/ferry/0d8b3a6e1f2c4b5a9e7d6c5b4a3f2e1d]" ]
}

@test "run-task answer with failures[] no Fargate capacity -> 20" {
  run run_task_outcome < <(cli_json "$(run_task_query)" <"$FIX/run-task-failures-capacity.json")
  [ "$status" -eq 0 ]
  [ "$(field 1 "$output")" = 20 ]
  [[ $(field 2 "$output") == *"Capacity is unavailable"* ]]
}

@test "run-task answer with a task -> its task and task-definition ARNs" {
  run run_task_outcome < <(cli_json "$(run_task_query)" <"$FIX/run-task-ok.json")
  [ "$status" -eq 0 ]
  [ "$(field 1 "$output")" = 0 ]
  [ "$(field 3 "$output")" = "arn:aws:ecs:eu-west-1:123456789012:task/ferry/7c1d5f7e2b6a4c0e9a1f3d2b8e4c6a10" ]
  [ "$(field 4 "$output")" = "arn:aws:ecs:eu-west-1:123456789012:task-definition/ferry-dev:12" ]
}

@test "awslogs stream name is prefix/container/task-id" {
  run log_stream_name ferry ferry arn:aws:ecs:eu-west-1:123456789012:task/ferry/7c1d5f7e2b6a4c0e9a1f3d2b8e4c6a10
  [ "$status" -eq 0 ]
  [ "$output" = "ferry/ferry/7c1d5f7e2b6a4c0e9a1f3d2b8e4c6a10" ]
}

@test "a failure's detail is in parentheses; failures are joined with ;" {
  run run_task_outcome < <(cli_json "$(run_task_query)" <<<'{"tasks":[{"taskArn":"arn:t1"}],"failures":[{"reason":"MISSING","detail":"gone"},{"arn":"arn:x"}]}')
  [ "$(field 1 "$output")" = 20 ]
  [ "$(field 2 "$output")" = "no task placed: MISSING (gone); unknown reason [arn:x]" ]
  [ "$(field 5 "$output")" = "arn:t1" ]
}

@test "log configuration is read from describe-task-definition" {
  local td='{"taskDefinition":{"containerDefinitions":[{"name":"other"},{"name":"ferry","logConfiguration":{"logDriver":"awslogs","options":{"awslogs-group":"/ecs/ferry","awslogs-region":"eu-west-1","awslogs-stream-prefix":"ferry"}}}]}}'
  run log_config ferry < <(cli_json "$(log_config_query ferry)" <<<"$td")
  [ "$status" -eq 0 ]
  [ "$output" = "/ecs/ferry${US}eu-west-1${US}ferry${US}" ]
  run log_config ferry < <(cli_json "$(log_config_query ferry)" <<<'{"taskDefinition":{"containerDefinitions":[{"name":"ferry","logConfiguration":{"logDriver":"splunk"}}]}}')
  [ "$status" -eq 0 ]
  [ "$(field 1 "$output")" = "" ]
  [[ $(field 4 "$output") == *splunk* ]]
  run log_config sidecar < <(cli_json "$(log_config_query sidecar)" <<<"$td")
  [ "$(field 1 "$output")" = "" ]
  [[ $(field 4 "$output") == "no container named sidecar in the task definition" ]]
}

@test "--env pairs become containerOverrides, values kept verbatim (JSON-escaped)" {
  run container_overrides ferry 'FERRY_COMMAND=info' 'FERRY_X=a b="c"=d' 'EMPTY=' $'ML=one\ntwo\\three\ttab\x01'
  [ "$status" -eq 0 ]
  run python3 -c 'import json,sys; o=json.loads(sys.argv[1]); print(o["containerOverrides"][0]["name"]); [print(json.dumps(e["name"]+"|"+e["value"])) for e in o["containerOverrides"][0]["environment"]]' "$output"
  [ "${lines[0]}" = ferry ]
  [ "${lines[1]}" = '"FERRY_COMMAND|info"' ]
  [ "${lines[2]}" = '"FERRY_X|a b=\"c\"=d"' ]
  [ "${lines[3]}" = '"EMPTY|"' ]
  [ "${lines[4]}" = '"ML|one\ntwo\\three\ttab\u0001"' ]
}

@test "network configuration JSON from the comma lists" {
  run network_configuration 'subnet-a, subnet-b' sg-1 DISABLED
  [ "$status" -eq 0 ]
  [ "$output" = '{"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"], "assignPublicIp": "DISABLED"}}' ]
}

@test "Ferry's codes are known by their meanings, and any other container code is said to be none of them" {
  [ "$(ferry_exit_meaning 0)" = success ]
  [ "$(ferry_exit_meaning 11)" = "Ferry: stopped by SIGTERM" ]
  [ "$(ferry_exit_meaning 12)" = "Ferry: rehearsal clone could not be made" ]
  [ "$(ferry_exit_meaning 137)" = "killed (SIGKILL), often out of memory" ]
  [ "$(ferry_exit_meaning 13)" = "Ferry: restore failed" ]
  [ "$(ferry_exit_meaning 19)" = "container exit code, not one of Ferry's" ]
}
