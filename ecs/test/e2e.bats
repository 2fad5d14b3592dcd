#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2054,SC1091,SC2030,SC2031,SC2016 # bats sets stderr/lines; comma lists are ids; sourced at run time
# End to end against a real moto_server on loopback (started by run-tests.sh, URL in FERRY_TEST_MOTO_URL):
# a cluster, a log group, the task definition registered from the template, the default VPC's subnets and a
# security group; then ecs/run-migration for real. moto's state manager decides how fast tasks move on.

setup_file() {
  load test_helper
  [[ -n ${FERRY_TEST_MOTO_URL:-} ]] || return 0
  local e=$FERRY_TEST_MOTO_URL
  aws --endpoint-url "$e" ecs create-cluster --cluster-name ferry-test >/dev/null
  aws --endpoint-url "$e" logs create-log-group --log-group-name /ecs/ferry-test
  FERRY_FAMILY=ferry-test FERRY_LOG_GROUP=/ecs/ferry-test FERRY_AWS_REGION=eu-west-1 \
    FERRY_IMAGE=123456789012.dkr.ecr.eu-west-1.amazonaws.com/ferry:test \
    FERRY_TASK_ROLE_ARN=arn:aws:iam::123456789012:role/ferry-test-task \
    FERRY_EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/ferry-test-execution \
    FERRY_ENVIRONMENT=test FERRY_DB_SECRET_ID=ferry/test/admin FERRY_DB_HOST=db.example FERRY_DB_NAME=app \
    FERRY_PLACEHOLDER_SECRETS=api_db=arn:aws:secretsmanager:eu-west-1:123456789012:secret:ferry/test/api-db-AbCdEf \
    "$RENDER" >"$BATS_FILE_TMPDIR/td.json"
  aws --endpoint-url "$e" ecs register-task-definition --cli-input-json "file://$BATS_FILE_TMPDIR/td.json" >/dev/null
  SG=$(aws --endpoint-url "$e" ec2 describe-security-groups --query 'SecurityGroups[0].GroupId' --output text)
  SUBNETS=$(aws --endpoint-url "$e" ec2 describe-subnets --filters Name=default-for-az,Values=true \
    --query 'Subnets[].SubnetId' --output text | tr '\t' ,)
  export SG SUBNETS
}

setup() {
  bats_require_minimum_version 1.5.0
  load test_helper
  [[ -n ${FERRY_TEST_MOTO_URL:-} ]] || skip "no moto_server (run ecs/test/run-tests.sh)"
  E=$FERRY_TEST_MOTO_URL
  export FERRY_ECS_LOG_SETTLE=0
  unset AWS_ENDPOINT_URL FERRY_ECS_CLUSTER FERRY_ECS_TASK_DEFINITION FERRY_ECS_SUBNETS FERRY_ECS_SECURITY_GROUPS
  ARGS=(--cluster ferry-test --task-definition ferry-test --subnets "$SUBNETS" --security-groups "$SG"
    --poll 1 --endpoint-url "$E")
}

awsm() { aws --endpoint-url "$E" "$@"; }

# transition JSON: how moto moves ECS tasks through their statuses
transition() {
  python3 - "$E" "$1" <<'PY'
import json, sys, urllib.request
body = json.dumps({"model_name": "ecs::task", "transition": json.loads(sys.argv[2])}).encode()
req = urllib.request.Request(sys.argv[1] + "/moto-api/state-manager/set-transition", data=body, method="POST")
urllib.request.urlopen(req, timeout=10).read()
PY
}

# the task ARN run-migration announced on stderr (file)
task_arn_in() { sed -n 's/^run-migration: started task //p' "$1" | head -n 1; }

@test "happy path: run-migration runs the task and exits 0" {
  transition '{"progression": "manual", "times": 1}'
  run --separate-stderr timeout 90 "$RUN_MIGRATION" "${ARGS[@]}"
  [ "$status" -eq 0 ]
  [[ $stderr == *"started task arn:aws:ecs:eu-west-1:123456789012:task/ferry-test/"* ]]
  [[ $stderr == *"is STOPPED"* ]]
  [ "${stderr_lines[${#stderr_lines[@]}-1]}" = "run-migration: container ferry exited with code 0: success" ]
}

@test "--env overrides arrive in the run-task request" {
  transition '{"progression": "immediate"}'
  run --separate-stderr timeout 90 "$RUN_MIGRATION" "${ARGS[@]}" --env FERRY_COMMAND=info --env 'FERRY_NOTE=a b=c "q"'
  [ "$status" -eq 0 ]
  printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/err"
  local arn
  arn=$(task_arn_in "$BATS_TEST_TMPDIR/err")
  [ -n "$arn" ]
  run awsm ecs describe-tasks --cluster ferry-test --tasks "$arn" --output json \
    --query 'tasks[0].[startedBy, launchType, overrides.containerOverrides[0].name, overrides.containerOverrides[0].environment]'
  [ "$status" -eq 0 ]
  run python3 -c 'import json,sys; print(json.dumps(json.loads(sys.argv[1]), sort_keys=True))' "$output"
  [ "$output" = '["ferry", "FARGATE", "ferry", [{"name": "FERRY_COMMAND", "value": "info"}, {"name": "FERRY_NOTE", "value": "a b=c \"q\""}]]' ]
}

@test "settings from FERRY_ECS_* and AWS_ENDPOINT_URL alone" {
  transition '{"progression": "immediate"}'
  FERRY_ECS_CLUSTER=ferry-test FERRY_ECS_TASK_DEFINITION=ferry-test:1 FERRY_ECS_SUBNETS="$SUBNETS" \
    FERRY_ECS_SECURITY_GROUPS="$SG" FERRY_ECS_POLL=1 AWS_ENDPOINT_URL="$E" \
    run --separate-stderr timeout 90 "$RUN_MIGRATION"
  [ "$status" -eq 0 ]
}

@test "log lines are streamed to stdout while the task runs, and the last ones after it stopped" {
  transition '{"progression": "manual", "times": 100000}'
  local out=$BATS_TEST_TMPDIR/out err=$BATS_TEST_TMPDIR/err
  timeout 90 "$RUN_MIGRATION" "${ARGS[@]}" >"$out" 2>"$err" &
  local pid=$!
  wait_for grep -q '^run-migration: started task ' "$err"
  local arn id
  arn=$(task_arn_in "$err")
  id=${arn##*/}
  wait_for grep -q 'is RUNNING' "$err"
  sleep 1 # a poll or two while the stream does not exist yet
  awsm logs create-log-stream --log-group-name /ecs/ferry-test --log-stream-name "ferry/ferry/$id"
  local now
  now=$(date +%s%3N)
  awsm logs put-log-events --log-group-name /ecs/ferry-test --log-stream-name "ferry/ferry/$id" \
    --log-events "timestamp=$now,message=ferry line one" "timestamp=$((now + 1)),message=ferry line two" >/dev/null
  wait_for grep -q 'ferry line two' "$out" # printed while the task is still RUNNING
  awsm ecs describe-tasks --cluster ferry-test --tasks "$arn" --query 'tasks[0].lastStatus' --output text | grep -qx RUNNING
  awsm logs put-log-events --log-group-name /ecs/ferry-test --log-stream-name "ferry/ferry/$id" \
    --log-events "timestamp=$((now + 2)),message=ferry line three" >/dev/null
  awsm ecs stop-task --cluster ferry-test --task "$arn" --reason "test: the migration is over" >/dev/null
  local rc=0
  wait "$pid" || rc=$?
  cat "$err"
  [ "$rc" -eq 0 ]
  [ "$(cat "$out")" = "$(printf 'ferry line one\nferry line two\nferry line three')" ]
  run ! grep -qi warning "$err"
}

@test "timeout: exit 24 and the task is stopped" {
  transition '{"progression": "manual", "times": 100000}'
  run --separate-stderr timeout 90 "$RUN_MIGRATION" "${ARGS[@]}" --timeout 3
  [ "$status" -eq 24 ]
  [[ ${stderr_lines[${#stderr_lines[@]}-1]} == "run-migration: timed out after 3s waiting for task "* ]]
  printf '%s\n' "$stderr" >"$BATS_TEST_TMPDIR/err"
  local arn
  arn=$(task_arn_in "$BATS_TEST_TMPDIR/err")
  run awsm ecs describe-tasks --cluster ferry-test --tasks "$arn" --query 'tasks[0].[desiredStatus, stoppedReason]' --output text
  [ "$output" = "$(printf 'STOPPED\tferry run-migration: timed out after 3s')" ]
}

@test "no task placed: unknown cluster or task definition -> 20" {
  run --separate-stderr timeout 90 "$RUN_MIGRATION" "${ARGS[@]}" --cluster no-such-cluster
  [ "$status" -eq 20 ]
  [[ $stderr == *"no task placed: run-task failed: "*ClusterNotFoundException* ]]
  run --separate-stderr timeout 90 "$RUN_MIGRATION" "${ARGS[@]}" --task-definition no-such-family:9
  [ "$status" -eq 20 ]
  [[ ${stderr_lines[${#stderr_lines[@]}-1]} == "run-migration: no task placed: "* ]]
}
