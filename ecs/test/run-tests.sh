#!/usr/bin/env bash
# ecs/test/run-tests.sh: everything ecs/ needs, in one command.
# Installs bats when missing (apt-get), starts moto_server on a free loopback port, runs every bats file in
# ecs/test, stops moto, and exits non-zero on any failure. Needs: bash, python3, the AWS CLI and moto_server on
# PATH (pip's moto[server]); root or sudo for apt-get when bats is absent.
set -euo pipefail

here=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
say() { printf 'ecs/test: %s\n' "$*" >&2; }

apt_install() {
  local sudo=
  if [[ $(id -u) != 0 ]]; then
    command -v sudo >/dev/null || { say "need root or sudo to apt-get install $*"; return 1; }
    sudo=sudo
  fi
  say "installing $* with apt-get"
  $sudo apt-get update -qq >/dev/null || true
  DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq --no-install-recommends "$@" >/dev/null
}

command -v bats >/dev/null || apt_install bats
for tool in python3 aws moto_server; do
  command -v "$tool" >/dev/null || { say "$tool is not on PATH (the AWS CLI and moto_server come from pip: awscli, moto[server])"; exit 1; }
done

# shellcheck source=../../.ci/pyenv-shims.sh
source "$here/../../.ci/pyenv-shims.sh"
skip_pyenv_shims # the tests start python3 and the AWS CLI hundreds of times

# No test may reach a real AWS endpoint: dummy credentials, no config files, anything not on loopback goes
# to a dead proxy. moto is addressed explicitly (--endpoint-url) by the tests.
export AWS_ACCESS_KEY_ID=test AWS_SECRET_ACCESS_KEY=test AWS_DEFAULT_REGION=eu-west-1
unset AWS_SESSION_TOKEN AWS_PROFILE AWS_DEFAULT_PROFILE AWS_REGION AWS_ENDPOINT_URL
export AWS_CONFIG_FILE=/dev/null AWS_SHARED_CREDENTIALS_FILE=/dev/null AWS_EC2_METADATA_DISABLED=true
export HTTPS_PROXY=http://127.0.0.1:9 HTTP_PROXY=http://127.0.0.1:9 https_proxy=http://127.0.0.1:9 http_proxy=http://127.0.0.1:9
export NO_PROXY=127.0.0.1,localhost no_proxy=127.0.0.1,localhost

work=$(mktemp -d "${TMPDIR:-/tmp}/ferry-ecs-test.XXXXXX")
moto_pid=
# shellcheck disable=SC2317 # called by the EXIT trap
cleanup() {
  if [[ -n $moto_pid ]] && kill -0 "$moto_pid" 2>/dev/null; then
    kill "$moto_pid" 2>/dev/null || true
    wait "$moto_pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM # cleanup runs: moto stops with the tests

# shellcheck source=../../.ci/free-port.sh
source "$here/../../.ci/free-port.sh"
port=$(free_port)
moto_server -H 127.0.0.1 -p "$port" >"$work/moto.log" 2>&1 &
moto_pid=$!
export FERRY_TEST_MOTO_URL="http://127.0.0.1:$port"
if ! python3 - "$FERRY_TEST_MOTO_URL" <<'PY'; then
import sys, time, urllib.request
for _ in range(150):
    try:
        urllib.request.urlopen(sys.argv[1] + "/moto-api/", timeout=2).read()
        sys.exit(0)
    except Exception:
        time.sleep(0.2)
sys.exit(1)
PY
  say "moto_server did not start on $FERRY_TEST_MOTO_URL:"
  cat "$work/moto.log" >&2
  exit 1
fi
say "moto_server $moto_pid on $FERRY_TEST_MOTO_URL"

start=$SECONDS
rc=0
bats --tap "$here"/*.bats | tee "$work/tap" || rc=$?
passed=$(grep -c '^ok ' "$work/tap" || true)
failed=$(grep -c '^not ok ' "$work/tap" || true)
skipped=$(grep -c '^ok .* # skip' "$work/tap" || true)
say "bats took $((SECONDS - start)) s"
echo "ecs: $passed passed ($skipped of them skipped), $failed failed"
if ((rc == 0 && failed == 0 && passed == 0)); then
  say "no test ran"
  exit 1
fi
if [[ "${CI:-}" == true ]] && ((skipped > 0)); then
  say "CI=true: a skipped test is a failure (the skips are above)"
  rc=1
fi
((failed == 0)) || rc=1
exit "$rc"
