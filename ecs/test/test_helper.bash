# Shared by the bats files in ecs/test.
# shellcheck disable=SC2034 # the variables are used by the .bats files that load this
ECS_DIR=$(cd "$BATS_TEST_DIRNAME/.." && pwd)
RUN_MIGRATION="$ECS_DIR/run-migration"
RENDER="$ECS_DIR/render-task-definition"
FIX="$BATS_TEST_DIRNAME/fixtures"
US=$'\x1f'

# field N LINE: the Nth \x1f-separated field (1-based) of a helper output line
field() { cut -d "$US" -f "$1" <<<"$2"; }

# wait_for COMMAND...: retry for up to 30 s
wait_for() {
  local i
  for ((i = 0; i < 150; i++)); do
    if "$@"; then return 0; fi
    sleep 0.2
  done
  echo "gave up waiting for: $*" >&2
  return 1
}

# Safety net: no test may reach a real AWS endpoint. Dummy credentials, no config files, and any HTTP(S) call
# not addressed to loopback goes to a dead proxy on 127.0.0.1:9 and fails at once.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=eu-west-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

# cli_json QUERY < RECORDED_JSON: what `aws ... --query QUERY --output json` prints for that answer (the CLI's
# own formatter; stub/cli-answer)
cli_json() { "$BATS_TEST_DIRNAME/stub/cli-answer" --query "$1" --output json; }
