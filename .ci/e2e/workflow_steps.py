#!/usr/bin/env python3
"""Runs GitHub Actions workflows' `run:` steps here, the way a runner would, for .ci/e2e/run.sh.

  workflow_steps.py job WORKFLOW JOB VARS_JSON RUNNER_TEMP [input=VALUE ...]
      One job of a workflow. `${{ vars.NAME }}` come from VARS_JSON (a JSON object: the Terraform output
      github_variables), `${{ inputs.NAME }}` from the arguments, else the input's declared default.
  workflow_steps.py deploy WORKFLOW RUNNER_TEMP image=IMAGE REPOSITORY_VARS_JSON ENVIRONMENT=VARS_JSON ...
      deploy.yml's jobs in its order, for the GitHub environments given: each job that calls a reusable workflow
      (`uses: ./.github/workflows/X.yml`) with an `environment` whose GitHub environment has variables here runs
      that workflow's job, with its `with:` inputs (`needs.JOB.outputs.NAME` from the jobs run before it) and the
      variables of the GitHub environment the job runs in (its `environment:`, e.g. prod-plan), over the
      repository's (REPOSITORY_VARS_JSON), as GitHub resolves them. A job for an environment not given (test, in a
      two-environment run) is skipped, and counts as done for the jobs that need it. The image job (a docker build
      and push) is not run: `image=` is its output, the image the caller built and named as its step names it.
      The job `ci` (ci.yml) is not run: CI is what runs this. RUNNER_TEMP/JOB/ is each job's runner temp
      directory (step-summary.md, steps.json); RUNNER_TEMP/jobs.json holds each job's outputs.

`${{ steps.ID.outputs.NAME }}` come from earlier steps' $GITHUB_OUTPUT; `a || 'b'` works. Any other expression is an
error, so a workflow cannot read a name this test does not know. `uses:` steps are not run (checkout: the work tree
is here; configure-aws-credentials: the caller's AWS_* environment stands for it). Each step runs as
`bash --noprofile --norc -eo pipefail` in the current directory with $GITHUB_OUTPUT, $GITHUB_STEP_SUMMARY and
$RUNNER_TEMP; `if: always()...` steps run after a failure, others do not. Prints one line per step on stderr.
Exit codes: 0 every step passed, 1 a step failed, 2 bad usage or an expression it does not know.
"""

import json
import os
import re
import subprocess
import sys
import time

import yaml

EXPRESSION = re.compile(r"\$\{\{\s*(.*?)\s*\}\}")
REUSABLE = re.compile(r"^\./(\.github/workflows/[^@]+\.ya?ml)$")


def evaluate(expression, context):
    value = None
    for alternative in (a.strip() for a in expression.split("||")):
        literal = re.fullmatch(r"'([^']*)'", alternative)
        if literal:
            value = literal.group(1)
        else:
            path = alternative.split(".")
            scope = {"vars": context.get("vars", {}), "inputs": context.get("inputs", {})}
            if path[0] == "steps" and len(path) == 4 and path[2] == "outputs":
                # A step that did not run (skipped after a failure) has no outputs: GitHub answers ''.
                value = context["steps"].get(path[1], {}).get(path[3], "")
            elif path[0] in ("needs", "jobs") and len(path) == 4 and path[2] == "outputs":
                outputs = context.get(path[0], {})
                if path[1] not in outputs:
                    sys.exit("workflow_steps: %s is not known (no such job)" % alternative)
                value = outputs[path[1]].get(path[3], "")
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


def triggers(document):
    # PyYAML reads the key `on` as the boolean true.
    found = document.get("on", document.get(True)) or {}
    return found if isinstance(found, dict) else {}


def declared_defaults(document):
    """The defaults of a reusable workflow's inputs, which GitHub supplies when the caller does not."""
    declared = (triggers(document).get("workflow_call") or {}).get("inputs") or {}
    return {name: str(spec["default"]) for name, spec in declared.items() if "default" in (spec or {})}


def run_job(job, context, runner_temp, label):
    """Runs a job's `run:` steps; returns (passed, the job's `outputs:` evaluated)."""
    os.makedirs(runner_temp, exist_ok=True)
    summary = os.path.join(runner_temp, "step-summary.md")
    results, failed = [], False
    context["steps"] = {}
    for number, step in enumerate(job["steps"], 1):
        name = "%s: %s" % (label, step.get("name") or step.get("uses") or "step %d" % number)
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
        started = time.monotonic()
        code = subprocess.call(["bash", "--noprofile", "--norc", "-eo", "pipefail", script], env=env)
        outputs = dict(line.split("=", 1) for line in open(output).read().splitlines() if "=" in line)
        if "id" in step:
            context["steps"][step["id"]] = outputs
        results.append({"name": name, "id": step.get("id"), "exit": code, "outputs": outputs})
        sys.stderr.write("workflow_steps: %s %s (exit %d, %.1f s)\n"
                         % ("ok  " if code == 0 else "FAIL", name, code, time.monotonic() - started))
        failed = failed or code != 0
    json.dump(results, open(os.path.join(runner_temp, "steps.json"), "w"), indent=1)
    job_outputs = {k: substitute(v, context) for k, v in (job.get("outputs") or {}).items()}
    return not failed, job_outputs


def load_vars(file):
    return {k: v for k, v in json.load(open(file)).items() if v is not None}


def one_job(workflow, job, vars_file, runner_temp, *inputs):
    document = yaml.safe_load(open(workflow))
    context = {
        "vars": load_vars(vars_file),
        "inputs": {**declared_defaults(document), **dict(i.split("=", 1) for i in inputs)},
    }
    passed, _ = run_job(document["jobs"][job], context, runner_temp, job)
    return 0 if passed else 1


def deploy(workflow, runner_temp, image_arg, repository_vars, *environment_vars):
    if not image_arg.startswith("image="):
        sys.exit("workflow_steps: deploy needs image=IMAGE")
    document = yaml.safe_load(open(workflow))
    repository = load_vars(repository_vars)
    environments = {}
    for pair in environment_vars:
        name, _, file = pair.partition("=")
        environments[name] = {**repository, **load_vars(file)}
    done = {}  # job id => outputs (None: skipped, counts as done)
    failed = False
    for job_id, job in document["jobs"].items():
        needs = job.get("needs") or []
        needs = [needs] if isinstance(needs, str) else needs
        missing = [n for n in needs if n not in done and n not in ("ci", "image")]
        if missing:
            sys.exit("workflow_steps: %s needs %s, which deploy.yml lists after it" % (job_id, missing))
        if job_id == "ci":
            sys.stderr.write("workflow_steps: - %s (ci.yml: what runs this test)\n" % job_id)
            continue
        if job_id == "image":
            done["image"] = {"image": image_arg.split("=", 1)[1]}
            sys.stderr.write("workflow_steps: - image (built and named by the caller: %s)\n" % done["image"]["image"])
            continue
        match = REUSABLE.match(str(job.get("uses", "")))
        if not match:
            sys.exit("workflow_steps: deploy.yml's job %s is neither ci, image nor a reusable workflow" % job_id)
        context = {"needs": {n: done.get(n) or {} for n in needs}}
        inputs = {k: substitute(v, context) for k, v in (job.get("with") or {}).items()}
        if failed:
            sys.stderr.write("workflow_steps: - %s (skipped after a failure)\n" % job_id)
            continue
        called = yaml.safe_load(open(match.group(1)))
        ((called_id, called_job),) = called["jobs"].items()
        call_context = {"inputs": {**declared_defaults(called), **inputs}}
        github_environment = substitute(called_job.get("environment", ""), call_context)
        if inputs.get("environment") not in {e.removesuffix("-plan") for e in environments}:
            done[job_id] = None
            sys.stderr.write("workflow_steps: - %s (environment %s is not in this run)\n" % (job_id, inputs.get("environment")))
            continue
        if github_environment not in environments:
            sys.exit("workflow_steps: %s runs in the GitHub environment %s, which has no variables here"
                     % (job_id, github_environment))
        call_context["vars"] = environments[github_environment]
        passed, job_outputs = run_job(called_job, call_context, os.path.join(runner_temp, job_id), job_id)
        # The reusable workflow's outputs, from its job's.
        declared = (triggers(called).get("workflow_call") or {}).get("outputs") or {}
        done[job_id] = {k: substitute(v["value"], {"jobs": {called_id: job_outputs}}) for k, v in declared.items()}
        done[job_id]["environment"] = github_environment
        failed = failed or not passed
    json.dump(done, open(os.path.join(runner_temp, "jobs.json"), "w"), indent=1)
    return 1 if failed else 0


if __name__ == "__main__":
    if len(sys.argv) >= 6 and sys.argv[1] == "job":
        sys.exit(one_job(*sys.argv[2:]))
    elif len(sys.argv) >= 7 and sys.argv[1] == "deploy":
        sys.exit(deploy(*sys.argv[2:]))
    sys.stderr.write(__doc__)
    sys.exit(2)
