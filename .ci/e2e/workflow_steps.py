#!/usr/bin/env python3
"""Runs the `run:` steps of one job of a GitHub Actions workflow here, the way a runner would, for .ci/e2e/run.sh.

  workflow_steps.py WORKFLOW JOB VARS_JSON RUNNER_TEMP [input=VALUE ...]

`${{ vars.NAME }}` come from VARS_JSON (a JSON object: the Terraform output github_variables), `${{ inputs.NAME }}`
from the arguments, else the input's declared default, `${{ steps.ID.outputs.NAME }}` from earlier steps' $GITHUB_OUTPUT; `a || 'b'` works. Any other
expression is an error, so the workflow cannot read a name this test does not know. `uses:` steps are not run
(checkout: the work tree is here; configure-aws-credentials: the caller's AWS_* environment stands for it). Each
step runs as `bash --noprofile --norc -eo pipefail` in the current directory with $GITHUB_OUTPUT,
$GITHUB_STEP_SUMMARY and $RUNNER_TEMP; `if: always()` steps run after a failure, others do not.
Prints one line per step on stderr; writes RUNNER_TEMP/steps.json (each step's outcome and outputs).
Exit codes: 0 every step passed, 1 a step failed, 2 bad usage or an expression it does not know.
"""

import json
import os
import re
import subprocess
import sys

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")


def evaluate(expression, context):
    value = None
    for alternative in (a.strip() for a in expression.split("||")):
        literal = re.fullmatch(r"'([^']*)'", alternative)
        if literal:
            value = literal.group(1)
        else:
            path = alternative.split(".")
            scope = {"vars": context["vars"], "inputs": context["inputs"]}
            if path[0] == "steps" and len(path) == 4 and path[2] == "outputs":
                value = context["steps"].get(path[1], {}).get(path[3], "")
            elif path[0] in scope and len(path) == 2:
                if path[1] not in scope[path[0]]:
                    sys.exit("workflow_steps: %s is not known (not an output of the example?)" % alternative)
                value = scope[path[0]][path[1]]
            else:
                sys.exit("workflow_steps: cannot evaluate ${{ %s }}" % expression)
        if value:
            return str(value)
    return "" if value is None else str(value)


def substitute(text, context):
    return EXPRESSION.sub(lambda m: evaluate(m.group(1), context), str(text))


def declared_defaults(document):
    """The defaults of a reusable workflow's inputs, which GitHub supplies when the caller does not."""
    # PyYAML reads the key `on` as the boolean true.
    triggers = document.get("on", document.get(True)) or {}
    declared = (triggers.get("workflow_call") or {}).get("inputs") or {} if isinstance(triggers, dict) else {}
    return {name: str(spec["default"]) for name, spec in declared.items() if "default" in (spec or {})}


def main(workflow, job, vars_file, runner_temp, *inputs):
    document = yaml.safe_load(open(workflow))
    jobs = document["jobs"]
    context = {
        "vars": {k: v for k, v in json.load(open(vars_file)).items() if v is not None},
        "inputs": {**declared_defaults(document), **dict(i.split("=", 1) for i in inputs)},
        "steps": {},
    }
    summary = os.path.join(runner_temp, "step-summary.md")
    results, failed = [], False
    for number, step in enumerate(jobs[job]["steps"], 1):
        name = step.get("name") or step.get("uses") or "step %d" % number
        if "run" not in step:
            sys.stderr.write("workflow_steps: - %s (uses:, not run here)\n" % name)
            continue
        if failed and "always()" not in str(step.get("if", "")):
            sys.stderr.write("workflow_steps: - %s (skipped after a failure)\n" % name)
            continue
        output = os.path.join(runner_temp, "output-%d" % number)
        open(output, "w").close()
        env = dict(os.environ, GITHUB_OUTPUT=output, GITHUB_STEP_SUMMARY=summary, RUNNER_TEMP=runner_temp)
        env.update({k: substitute(v, context) for k, v in (step.get("env") or {}).items()})
        script = os.path.join(runner_temp, "step-%d.sh" % number)
        with open(script, "w") as f:
            f.write(substitute(step["run"], context))
        sys.stderr.write("workflow_steps: > %s\n" % name)
        code = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], env=env)
        outputs = dict(line.split("=", 1) for line in open(output).read().splitlines() if "=" in line)
        if "id" in step:
            context["steps"][step["id"]] = outputs
        results.append({"name": name, "id": step.get("id"), "exit": code, "outputs": outputs})
        sys.stderr.write("workflow_steps: %s %s (exit %d)\n" % ("ok  " if code == 0 else "FAIL", name, code))
        failed = failed or code != 0
    json.dump(results, open(os.path.join(runner_temp, "steps.json"), "w"), indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) < 5:
        sys.stderr.write(__doc__)
        sys.exit(2)
    sys.exit(main(*sys.argv[1:]))
