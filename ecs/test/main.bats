#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2054,SC1091,SC2030,SC2031,SC2016 # bats sets stderr/lines; comma lists are ids; sourced at run time
# The whole script, driven through its real entry point by a stand-in AWS CLI (stub/aws) that answers with the
# recorded JSON in fixtures/: exit codes, one-line reasons, and the exact AWS calls made.

setup() {
  bats_require_minimum_version 1.5.0
  load test_helper
  export PATH="$BATS_TEST_DIRNAME/stub:$PATH"
  export STUB_CALLS="$BATS_TEST_TMPDIR/calls"
  : >"$STUB_CALLS"
  export FERRY_ECS_LOG_SETTLE=0
  unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS AWS_ENDPOINT_URL_CLOUDWATCH_LOGS AWS_REGION STUB_RUN_TASK \
    STUB_RUN_TASK_ERROR STUB_LOG_EVENTS FERRY_ECS_CLUSTER FERRY_ECS_TASK_DEFINITION FERRY_ECS_SUBNETS \
    FERRY_ECS_SECURITY_GROUPS FERRY_ECS_CONTAINER FERRY_ECS_ASSIGN_PUBLIC_IP FERRY_ECS_TIMEOUT FERRY_ECS_POLL
  ARGS=(--cluster ferry --task-definition ferry-dev:12 --subnets subnet-a,subnet-b --security-groups sg-1 --poll 1)
}

# migrate FIXTURE: run the script against a stopped task described by FIXTURE
migrate() {
  export STUB_DESCRIBE="$FIX/$1"
  shift
  run --separate-stderr "$RUN_MIGRATION" "${ARGS[@]}" "$@"
}

# the last stderr line: the one-line reason
last_err() { printf '%s\n' "${stderr_lines[${#stderr_lines[@]}-1]}"; }

@test "exit 0 passes through, success said on stderr, stdout stays for log lines" {
  migrate describe-tasks-exit-0.json
  [ "$status" -eq 0 ]
  [ "$output" = "" ]
  [ "$(last_err)" = "run-migration: container ferry exited with code 0: success" ]
}

@test "Ferry's exit 6 passes through with its meaning" {
  migrate describe-tasks-exit-6.json
  [ "$status" -eq 6 ]
  [ "$(last_err)" = "run-migration: container ferry exited with code 6: Ferry: migration failed" ]
}

# exited CODE: run the script against a task whose container exited with CODE
exited() {
  sed "s/\"exitCode\": 0/\"exitCode\": $1/" "$FIX/describe-tasks-exit-0.json" >"$BATS_TEST_TMPDIR/exit-$1.json"
  export STUB_DESCRIBE="$BATS_TEST_TMPDIR/exit-$1.json"
  run --separate-stderr "$RUN_MIGRATION" "${ARGS[@]}"
}

@test "Ferry's exit 11 (stopped by SIGTERM) passes through with its meaning" {
  exited 11
  [ "$status" -eq 11 ]
  [ "$(last_err)" = "run-migration: container ferry exited with code 11: Ferry: stopped by SIGTERM" ]
}

@test "Ferry's exit 12 (rehearsal clone) passes through with its meaning" {
  exited 12
  [ "$status" -eq 12 ]
  [ "$(last_err)" = "run-migration: container ferry exited with code 12: Ferry: rehearsal clone could not be made" ]
}

@test "a container exit code that is none of Ferry's passes through, said to be none of them" {
  exited 19
  [ "$status" -eq 19 ]
  [ "$(last_err)" = "run-migration: container ferry exited with code 19: container exit code, not one of Ferry's" ]
}

@test "every Ferry exit code passes through unchanged, with the meaning the script knows it by" {
  source "$RUN_MIGRATION"
  [ "${#FERRY_EXIT_MEANINGS[@]}" -ge 14 ]
  local c
  for c in "${!FERRY_EXIT_MEANINGS[@]}"; do
    ((c > 0)) || continue
    exited "$c"
    [ "$status" -eq "$c" ] || { echo "exit $c came out as $status"; return 1; }
    [ "$(last_err)" = "run-migration: container ferry exited with code $c: Ferry: ${FERRY_EXIT_MEANINGS[$c]}" ]
  done
}

@test "image pull failure -> 21 with a one-line reason" {
  migrate describe-tasks-image-pull.json
  [ "$status" -eq 21 ]
  [[ $(last_err) == "run-migration: image pull failed: "*CannotPullContainerError* ]]
}

@test "secrets fetch failure -> 22" {
  migrate describe-tasks-secrets.json
  [ "$status" -eq 22 ]
  [[ $(last_err) == "run-migration: secrets or log set-up failed: "* ]]
}

@test "log set-up failure -> 22" {
  migrate describe-tasks-log-setup.json
  [ "$status" -eq 22 ]
  migrate describe-tasks-log-driver.json
  [ "$status" -eq 22 ]
}

@test "stopped without exit code -> 23 (user stop, Spot, container could not start)" {
  migrate describe-tasks-user-stop.json
  [ "$status" -eq 23 ]
  [[ $(last_err) == "run-migration: task stopped without an exit code: stopCode UserInitiated"* ]]
  migrate describe-tasks-spot.json
  [ "$status" -eq 23 ]
  migrate describe-tasks-essential-no-exit-code.json
  [ "$status" -eq 23 ]
}

@test "run-task failures[] -> 20, nothing polled" {
  export STUB_RUN_TASK="$FIX/run-task-failures-memory.json"
  migrate describe-tasks-exit-0.json
  [ "$status" -eq 20 ]
  [[ $(last_err) == "run-migration: no task placed: RESOURCE:MEMORY"* ]]
  grep -q run-task "$STUB_CALLS" # the calls were recorded...
  run ! grep -q describe-tasks "$STUB_CALLS" # ...and none polled
}

@test "run-task refused by the API -> 20 with the CLI's message" {
  export STUB_RUN_TASK_ERROR="An error occurred (ClusterNotFoundException) when calling the RunTask operation: Cluster not found."
  migrate describe-tasks-exit-0.json
  [ "$status" -eq 20 ]
  [ "$(last_err)" = "run-migration: no task placed: run-task failed: $STUB_RUN_TASK_ERROR" ]
}

@test "run-task request: FARGATE, awsvpc, started by ferry, --env as containerOverrides" {
  migrate describe-tasks-exit-0.json --env FERRY_COMMAND=info --env 'FERRY_X=a b' --assign-public-ip ENABLED
  [ "$status" -eq 0 ]
  local call
  call=$(grep ' run-task ' "$STUB_CALLS")
  [[ $call == *"--launch-type FARGATE"* ]]
  [[ $call == *"--started-by ferry"* ]]
  [[ $call == *"--cluster ferry"* ]]
  [[ $call == *"--task-definition ferry-dev:12"* ]]
  eval "set -- $call"
  local net='' ov=''
  while (($#)); do
    case $1 in
      --network-configuration) net=$2 ;;
      --overrides) ov=$2 ;;
    esac
    shift
  done
  [ "$net" = '{"awsvpcConfiguration": {"subnets": ["subnet-a", "subnet-b"], "securityGroups": ["sg-1"], "assignPublicIp": "ENABLED"}}' ]
  [ "$ov" = '{"containerOverrides": [{"name": "ferry", "environment": [{"name": "FERRY_COMMAND", "value": "info"}, {"name": "FERRY_X", "value": "a b"}]}]}' ]
}

@test "AWS_ENDPOINT_URL and AWS_REGION are passed to every aws call explicitly" {
  export AWS_ENDPOINT_URL=http://127.0.0.1:9 AWS_REGION=eu-west-1
  migrate describe-tasks-exit-0.json
  [ "$status" -eq 0 ]
  [ "$(wc -l <"$STUB_CALLS")" -ge 4 ]
  run ! grep -v -- '--endpoint-url http://127.0.0.1:9 --region eu-west-1' "$STUB_CALLS"
}

@test "log lines go to stdout, in order, each once" {
  cat >"$BATS_TEST_TMPDIR/events.json" <<'JSON'
{"events": [{"timestamp": 1764066040000, "message": "{\"level\":\"INFO\",\"message\":\"Migrating schema to version 7\"}", "ingestionTime": 1764066041000},
            {"timestamp": 1764066041000, "message": "Successfully applied 1 migration\n", "ingestionTime": 1764066042000}],
 "nextForwardToken": "f/0001", "nextBackwardToken": "b/0000"}
JSON
  export STUB_LOG_EVENTS="$BATS_TEST_TMPDIR/events.json"
  migrate describe-tasks-exit-0.json
  [ "$status" -eq 0 ]
  [ "${#lines[@]}" -ge 2 ]
  [ "${lines[0]}" = '{"level":"INFO","message":"Migrating schema to version 7"}' ]
  [ "${lines[1]}" = "Successfully applied 1 migration" ]
  grep -q -- '--log-group-name /ecs/ferry-dev --log-stream-name ferry/ferry/7c1d5f7e2b6a4c0e9a1f3d2b8e4c6a10 --start-from-head' "$STUB_CALLS"
  grep -q -- '--next-token f/0001' "$STUB_CALLS"
}

@test "log lines are followed page by page through nextForwardToken, each printed once, tabs kept" {
  local pages=$BATS_TEST_TMPDIR/pages
  mkdir "$pages"
  printf '%s' '{"events": [{"timestamp": 1, "message": "line one"}, {"timestamp": 2, "message": "a\tb"}], "nextForwardToken": "f/1"}' >"$pages/head"
  printf '%s' '{"events": [{"timestamp": 3, "message": "line three"}], "nextForwardToken": "f/2"}' >"$pages/f_1"
  export STUB_LOG_EVENTS=$pages
  migrate describe-tasks-exit-0.json
  [ "$status" -eq 0 ]
  [ "$output" = "$(printf 'line one\na\tb\nline three')" ]
  grep -q -- '--next-token f/1' "$STUB_CALLS"
  grep -q -- '--next-token f/2' "$STUB_CALLS"
  run ! grep -q -- '--next-token f/3' "$STUB_CALLS"
}

@test "an unreadable log stream is one warning, and the exit code is still the container's" {
  export STUB_LOG_ERROR="An error occurred (AccessDeniedException) when calling the GetLogEvents operation: denied"
  migrate describe-tasks-exit-6.json
  [ "$status" -eq 6 ]
  [ "$(grep -c 'warning: cannot read log stream /ecs/ferry-dev ferry/ferry/7c1d5f7e2b6a4c0e9a1f3d2b8e4c6a10: .*AccessDeniedException' <<<"$stderr")" -eq 1 ]
}

@test "a log stream that does not exist yet is not an error" {
  migrate describe-tasks-exit-0.json
  [ "$status" -eq 0 ]
  [[ $stderr != *warning* ]]
}

@test "timeout -> 24 and stop-task is called" {
  sed 's/"lastStatus": "STOPPED"/"lastStatus": "RUNNING"/; s/"desiredStatus": "STOPPED"/"desiredStatus": "RUNNING"/' \
    "$FIX/describe-tasks-exit-0.json" >"$BATS_TEST_TMPDIR/running.json"
  export STUB_DESCRIBE="$BATS_TEST_TMPDIR/running.json"
  run --separate-stderr timeout 60 "$RUN_MIGRATION" "${ARGS[@]}" --timeout 2
  [ "$status" -eq 24 ]
  [[ $(last_err) == "run-migration: timed out after 2s waiting for task "*"stop-task was called" ]]
  grep -q 'ecs stop-task --cluster ferry --task arn:aws:ecs:eu-west-1:123456789012:task/ferry/7c1d5f7e2b6a4c0e9a1f3d2b8e4c6a10' "$STUB_CALLS"
}

@test "a task that cannot be observed -> 24 after repeated failures, and stop-task" {
  export STUB_DESCRIBE="$FIX/describe-tasks-missing.json" FERRY_RM_MAX_DESCRIBE_FAILURES=3
  run --separate-stderr timeout 60 "$RUN_MIGRATION" "${ARGS[@]}" --poll 1 --timeout 100
  [ "$status" -eq 24 ]
  [[ $(last_err) == "run-migration: cannot observe task "* ]]
  grep -q 'ecs stop-task' "$STUB_CALLS"
}

@test "SIGTERM while waiting stops the task and exits 143" {
  sed 's/"lastStatus": "STOPPED"/"lastStatus": "RUNNING"/' "$FIX/describe-tasks-exit-0.json" >"$BATS_TEST_TMPDIR/running.json"
  export STUB_DESCRIBE="$BATS_TEST_TMPDIR/running.json"
  "$RUN_MIGRATION" "${ARGS[@]}" --poll 5 >"$BATS_TEST_TMPDIR/out" 2>"$BATS_TEST_TMPDIR/err" &
  local pid=$!
  wait_for grep -q 'is RUNNING' "$BATS_TEST_TMPDIR/err"
  kill -TERM "$pid"
  local rc=0
  wait "$pid" || rc=$?
  [ "$rc" -eq 143 ]
  grep -q 'ecs stop-task' "$STUB_CALLS"
  tail -n 1 "$BATS_TEST_TMPDIR/err" | grep -q 'interrupted by SIGTERM'
}
