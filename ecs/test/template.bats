#!/usr/bin/env bats
# shellcheck disable=SC2154,SC2054,SC1091,SC2030,SC2031,SC2016 # bats sets stderr/lines; comma lists are ids; sourced at run time
# The task-definition template and its renderer.

setup() {
  load test_helper
  export FERRY_IMAGE=123456789012.dkr.ecr.eu-west-1.amazonaws.com/ferry:3f2a9c1
  export FERRY_TASK_ROLE_ARN=arn:aws:iam::123456789012:role/ferry-dev-task
  export FERRY_EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/ferry-dev-execution
  export FERRY_AWS_REGION=eu-west-1 FERRY_ENVIRONMENT=dev
  export FERRY_DB_SECRET_ID='arn:aws:secretsmanager:eu-west-1:123456789012:secret:rds!cluster-1a2b3c-AbCdEf'
  export FERRY_DB_HOST=ferry-dev.cluster-c1a2b3c4d5e6.eu-west-1.rds.amazonaws.com FERRY_DB_NAME=app
  export FERRY_PLACEHOLDER_SECRETS='api_db=arn:aws:secretsmanager:eu-west-1:123456789012:secret:ferry/dev/api-db-Xy12Zq'
  unset FERRY_FAMILY FERRY_TASK_CPU FERRY_TASK_MEMORY FERRY_CPU_ARCHITECTURE FERRY_CONTAINER_USER FERRY_LOG_GROUP \
    FERRY_SNAPSHOT_CLUSTER_ID FERRY_DB_PORT FERRY_DRIFT FERRY_REHEARSE FERRY_REHEARSAL_CLUSTER_ID \
    FERRY_REHEARSAL_INSTANCE_CLASS FERRY_REHEARSAL_LOCK_BUDGET
}

# q EXPRESSION: evaluate a python expression on the rendered JSON (as d, the first container as c)
q() { python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); c=d["containerDefinitions"][0]; print(eval(sys.argv[2]))' "$BATS_TEST_TMPDIR/td.json" "$1"; }

@test "renders valid JSON with the Fargate settings and defaults" {
  "$RENDER" >"$BATS_TEST_TMPDIR/td.json"
  [ "$(q 'd["family"]')" = ferry ]
  [ "$(q 'd["requiresCompatibilities"]')" = "['FARGATE']" ]
  [ "$(q 'd["networkMode"]')" = awsvpc ]
  [ "$(q 'd["cpu"], d["memory"], c["cpu"], c["memory"]')" = "('512', '1024', 512, 1024)" ]
  [ "$(q 'd["taskRoleArn"]')" = "$FERRY_TASK_ROLE_ARN" ]
  [ "$(q 'd["executionRoleArn"]')" = "$FERRY_EXECUTION_ROLE_ARN" ]
  [ "$(q 'len(d["containerDefinitions"])')" = 1 ]
  [ "$(q 'c["name"], c["essential"], c["image"]')" = "('ferry', True, '$FERRY_IMAGE')" ]
  [ "$(q 'c["readonlyRootFilesystem"]')" = True ]
  [ "$(q 'c["user"]')" = 10001:10001 ]
  [ "$(q 'c["mountPoints"][0]["containerPath"], c["mountPoints"][0]["sourceVolume"] in [v["name"] for v in d["volumes"]]')" = "('/tmp', True)" ]
}

@test "awslogs driver with group, region and stream prefix ferry" {
  FERRY_LOG_GROUP=/ecs/ferry-dev "$RENDER" >"$BATS_TEST_TMPDIR/td.json"
  [ "$(q 'c["logConfiguration"]["logDriver"]')" = awslogs ]
  [ "$(q 'sorted(c["logConfiguration"]["options"].items())')" = "[('awslogs-group', '/ecs/ferry-dev'), ('awslogs-region', 'eu-west-1'), ('awslogs-stream-prefix', 'ferry')]" ]
}

@test "Ferry's settings as environment: where the database is, its secrets, the snapshot target" {
  FERRY_SNAPSHOT_CLUSTER_ID=dev-aurora "$RENDER" >"$BATS_TEST_TMPDIR/td.json"
  setting() { q '{e["name"]: e["value"] for e in c["environment"]}["'"$1"'"]'; }
  [ "$(setting FERRY_ENVIRONMENT)" = dev ]
  [ "$(setting FERRY_DB_SECRET_ID)" = "$FERRY_DB_SECRET_ID" ]
  [ "$(setting FERRY_DB_HOST)" = "$FERRY_DB_HOST" ]
  [ "$(setting FERRY_DB_PORT)" = 5432 ]
  [ "$(setting FERRY_DB_NAME)" = app ]
  [ "$(setting FERRY_PLACEHOLDER_SECRETS)" = "$FERRY_PLACEHOLDER_SECRETS" ]
  [ "$(setting FERRY_SNAPSHOT_CLUSTER_ID)" = dev-aurora ]
  [ "$(setting FERRY_DRIFT)" = warn ]
  [ "$(setting FERRY_LOG_FORMAT)" = json ]
  [ "$(q 'c.get("secrets", [])')" = "[]" ]
}

@test "the rehearsal is off unless asked for, with the module's instance class and lock budget" {
  "$RENDER" >"$BATS_TEST_TMPDIR/td.json"
  setting() { q '{e["name"]: e["value"] for e in c["environment"]}["'"$1"'"]'; }
  [ "$(setting FERRY_REHEARSE)" = off ]
  [ "$(setting FERRY_REHEARSAL_CLUSTER_ID)" = "" ]
  [ "$(setting FERRY_REHEARSAL_INSTANCE_CLASS)" = db.t4g.medium ]
  [ "$(setting FERRY_REHEARSAL_LOCK_BUDGET)" = 5s ]
  FERRY_REHEARSE=clone FERRY_REHEARSAL_CLUSTER_ID=prod-aurora FERRY_REHEARSAL_INSTANCE_CLASS=db.serverless \
    FERRY_REHEARSAL_LOCK_BUDGET=500ms "$RENDER" >"$BATS_TEST_TMPDIR/td.json"
  [ "$(setting FERRY_REHEARSE)" = clone ]
  [ "$(setting FERRY_REHEARSAL_CLUSTER_ID)" = prod-aurora ]
  [ "$(setting FERRY_REHEARSAL_INSTANCE_CLASS)" = db.serverless ]
  [ "$(setting FERRY_REHEARSAL_LOCK_BUDGET)" = 500ms ]
}

@test "cpu, memory, family, user can be changed; values are JSON-escaped" {
  FERRY_TASK_CPU=1024 FERRY_TASK_MEMORY=2048 FERRY_FAMILY=ferry-prod FERRY_CONTAINER_USER=ferry \
    FERRY_ENVIRONMENT='we"ird\name' "$RENDER" >"$BATS_TEST_TMPDIR/td.json"
  [ "$(q 'd["cpu"], d["memory"], c["cpu"], c["memory"], d["family"], c["user"]')" = "('1024', '2048', 1024, 2048, 'ferry-prod', 'ferry')" ]
  [ "$(q '{e["name"]: e["value"] for e in c["environment"]}["FERRY_ENVIRONMENT"]')" = 'we"ird\name' ]
}

@test "a missing required value is exit 64 naming it" {
  unset FERRY_IMAGE FERRY_DB_HOST
  run "$RENDER"
  [ "$status" -eq 64 ]
  [[ $output == *"required variable(s) not set: FERRY_DB_HOST FERRY_IMAGE"* ]]
  FERRY_IMAGE=x FERRY_TASK_CPU=lots run "$RENDER"
  [ "$status" -ne 0 ]
}

@test "plain envsubst with the variable list (README) renders the same" {
  command -v envsubst >/dev/null || skip "envsubst (gettext-base) not installed"
  export FERRY_FAMILY=ferry FERRY_TASK_CPU=256 FERRY_TASK_MEMORY=512 FERRY_CPU_ARCHITECTURE=X86_64 \
    FERRY_CONTAINER_USER=10001:10001 FERRY_LOG_GROUP=/ecs/ferry FERRY_DB_PORT=5432 FERRY_SNAPSHOT_CLUSTER_ID='' \
    FERRY_DRIFT=warn FERRY_REHEARSE=off FERRY_REHEARSAL_CLUSTER_ID='' FERRY_REHEARSAL_INSTANCE_CLASS=db.t4g.medium \
    FERRY_REHEARSAL_LOCK_BUDGET=5s
  local vars
  vars=$(grep -o '\${FERRY_[A-Z_]*}' "$ECS_DIR/task-definition.json.tpl" | sort -u | tr -d '{}' | tr '\n' ' ')
  envsubst "$vars" <"$ECS_DIR/task-definition.json.tpl" | python3 -m json.tool --sort-keys >"$BATS_TEST_TMPDIR/a.json"
  "$RENDER" | python3 -m json.tool --sort-keys >"$BATS_TEST_TMPDIR/b.json"
  diff "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
}
