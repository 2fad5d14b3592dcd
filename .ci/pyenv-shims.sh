#!/usr/bin/env bash
# skip_pyenv_shims: when python3 on PATH is a pyenv shim, puts the interpreter's own bin directory first on PATH,
# so python3, aws and moto_server are the same programs the shims would start, started directly. Sourced, never
# executed. A shim is a bash script that runs `pyenv exec` on every call: about 0.3 s of CPU before Python even
# starts, and the tests start the AWS CLI and python3 hundreds of times. Elsewhere it changes nothing.

skip_pyenv_shims() {
  local shim real
  shim=$(command -v python3) || return 0
  [[ $shim == */shims/python3 ]] && grep -q pyenv "$shim" 2>/dev/null || return 0
  real=$(python3 -c 'import os, sys; print(os.path.dirname(sys.executable))' 2>/dev/null) || return 0
  [[ -n $real && -x $real/python3 && $real != "$(dirname "$shim")" ]] || return 0
  export PATH="$real:$PATH"
}
