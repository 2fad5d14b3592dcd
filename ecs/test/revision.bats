#!/usr/bin/env bats
# shellcheck disable=SC2154,SC1091 # bats sets status/output/lines; sourced at run time
# ecs/register-revision against a real moto_server (run-tests.sh starts it, URL in FERRY_TEST_MOTO_URL): a family
# registered from the template with tags, then a new revision with a new image and nothing else changed.

setup() {
  bats_require_minimum_version 1.5.0
  load test_helper
  REGISTER="$ECS_DIR/register-revision"
  unset AWS_ENDPOINT_URL AWS_ENDPOINT_URL_ECS FERRY_ECS_TASK_DEFINITION FERRY_IMAGE FERRY_ECS_CONTAINER
}

awsm() { aws --endpoint-url "$FERRY_TEST_MOTO_URL" "$@"; }

# register_family NAME: the template's task definition, tagged, as revision 1 of family NAME
register_family() {
  FERRY_FAMILY=$1 FERRY_AWS_REGION=eu-west-1 FERRY_IMAGE=registry.example/ferry:old \
    FERRY_TASK_ROLE_ARN=arn:aws:iam::123456789012:role/t FERRY_EXECUTION_ROLE_ARN=arn:aws:iam::123456789012:role/e \
    FERRY_ENVIRONMENT=test FERRY_DB_SECRET_ID=admin FERRY_DB_HOST=db.example FERRY_DB_NAME=app \
    FERRY_PLACEHOLDER_SECRETS=api_db=arn:aws:secretsmanager:eu-west-1:123456789012:secret:api-AbCdEf \
    "$RENDER" >"$BATS_TEST_TMPDIR/td.json"
  awsm ecs register-task-definition --cli-input-json "file://$BATS_TEST_TMPDIR/td.json" \
    --tags key=owner,value=terraform --query taskDefinition.taskDefinitionArn --output text
}

# comparable ARN: the task definition without what a revision changes by itself, as sorted JSON
comparable() {
  awsm ecs describe-task-definition --task-definition "$1" --include TAGS --output json | python3 -c '
import json, sys
d = json.load(sys.stdin)
td = d["taskDefinition"]
for k in ("taskDefinitionArn", "revision", "registeredAt", "registeredBy"):
    td.pop(k, None)
print(json.dumps({"td": td, "tags": d.get("tags")}, sort_keys=True, indent=1))'
}

@test "a new revision from the family's latest: only the image differs" {
  [[ -n ${FERRY_TEST_MOTO_URL:-} ]] || skip "no moto_server (run ecs/test/run-tests.sh)"
  local first
  first=$(register_family ferry-rev)
  run --separate-stderr "$REGISTER" --task-definition ferry-rev --image registry.example/ferry:new \
    --endpoint-url "$FERRY_TEST_MOTO_URL" --region eu-west-1
  [ "$status" -eq 0 ]
  [ "$output" = "${first%:*}:$((${first##*:} + 1))" ]
  [[ $stderr == *"registered $output"* ]]
  comparable "$first" >"$BATS_TEST_TMPDIR/a.json"
  comparable "$output" >"$BATS_TEST_TMPDIR/b.json"
  run diff "$BATS_TEST_TMPDIR/a.json" "$BATS_TEST_TMPDIR/b.json"
  [ "$status" -eq 1 ]
  # the image line, and nothing else
  [ "$(grep -c '^[<>]' <<<"$output")" -eq 2 ]
  grep -Eq '^< +"image": "registry.example/ferry:old",$' <<<"$output"
  grep -Eq '^> +"image": "registry.example/ferry:new",$' <<<"$output"
}

@test "settings from FERRY_ECS_TASK_DEFINITION, FERRY_IMAGE and AWS_ENDPOINT_URL" {
  [[ -n ${FERRY_TEST_MOTO_URL:-} ]] || skip "no moto_server (run ecs/test/run-tests.sh)"
  register_family ferry-rev-env >/dev/null
  FERRY_ECS_TASK_DEFINITION=ferry-rev-env FERRY_IMAGE=registry.example/ferry:env AWS_ENDPOINT_URL=$FERRY_TEST_MOTO_URL \
    AWS_REGION=eu-west-1 run --separate-stderr "$REGISTER"
  [ "$status" -eq 0 ]
  [ "$(awsm ecs describe-task-definition --task-definition "$output" --query 'taskDefinition.containerDefinitions[0].image' --output text)" = registry.example/ferry:env ]
}

@test "a container that is not there, or a family that is not there, is exit 1 with the reason" {
  [[ -n ${FERRY_TEST_MOTO_URL:-} ]] || skip "no moto_server (run ecs/test/run-tests.sh)"
  register_family ferry-rev-bad >/dev/null
  run "$REGISTER" --task-definition ferry-rev-bad --image x --container app --endpoint-url "$FERRY_TEST_MOTO_URL"
  [ "$status" -eq 1 ]
  [[ $output == *"no container named app"* ]]
  run "$REGISTER" --task-definition no-such-family --image x --endpoint-url "$FERRY_TEST_MOTO_URL"
  [ "$status" -eq 1 ]
  [[ $output == *"describe-task-definition no-such-family failed"* ]]
}

@test "bad usage is exit 64, --help lists the exit codes" {
  local c
  for c in "--image x" "--task-definition f" "--task-definition f --image x --bogus" "--task-definition"; do
    # shellcheck disable=SC2086 # word splitting wanted
    run "$ECS_DIR/register-revision" $c
    [ "$status" -eq 64 ] || { echo "expected 64 for: $c, got $status: $output"; return 1; }
  done
  run "$ECS_DIR/register-revision" --help
  [ "$status" -eq 0 ]
  for code in 0 1 64 69; do
    grep -Eq "^  $code " <<<"$output" || { echo "exit code $code not listed"; return 1; }
  done
}
