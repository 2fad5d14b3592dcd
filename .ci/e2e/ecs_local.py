#!/usr/bin/env python3
"""What ECS does around Ferry's container, done locally for .ci/e2e/run.sh (AWS calls go to moto on loopback).

  ecs_local.py container TASKDEF_JSON OUT_DIR [NAME=VALUE ...]
      Reads a describe-task-definition answer and writes what `podman run` needs to run its container the way
      Fargate does: OUT_DIR/env (NAME=VALUE lines: the task definition's `environment`, then each `secrets`
      entry resolved from Secrets Manager or SSM with the execution role's view, as the ECS agent injects them,
      then the NAME=VALUE overrides, as run-task's containerOverrides) and OUT_DIR/args (one podman argument a
      line: user, read-only root, the task's CPU and memory, the image). The task volume on /tmp is the
      caller's, as is the network. Uses boto3 with the SDK's environment (AWS_ENDPOINT_URL: moto).
  ecs_local.py credentials PORT TOKEN LOG
      Serves the task role's credentials on 127.0.0.1:PORT the way the ECS agent's endpoint does (what
      AWS_CONTAINER_CREDENTIALS_FULL_URI / AWS_CONTAINER_AUTHORIZATION_TOKEN point the SDK at); appends a line to
      LOG per request. Dummy keys: moto accepts any.

Exit codes: 0 done, 1 a secret could not be resolved or the task definition is not what Ferry's is, 2 bad usage.
"""

import datetime
import http.server
import json
import os
import sys

import boto3


def fail(message):
    sys.stderr.write("ecs_local: %s\n" % message)
    sys.exit(1)


def resolve(value_from):
    """A `valueFrom` as the ECS agent reads it: a Secrets Manager ARN, optionally with
    :json-key:version-stage:version-id, or an SSM parameter (ARN or name)."""
    parts = value_from.split(":")
    if len(parts) >= 7 and parts[2] == "secretsmanager":
        secret_id = ":".join(parts[:7])
        json_key, stage, version = (parts[7:10] + ["", "", ""])[:3]
        request = {"SecretId": secret_id}
        if stage:
            request["VersionStage"] = stage
        if version:
            request["VersionId"] = version
        text = boto3.client("secretsmanager").get_secret_value(**request)["SecretString"]
        if not json_key:
            return text
        document = json.loads(text)
        if json_key not in document:
            fail("secret %s has no key %s" % (secret_id, json_key))
        return str(document[json_key])
    return boto3.client("ssm").get_parameter(Name=value_from, WithDecryption=True)["Parameter"]["Value"]


def container(taskdef_file, out_dir, overrides):
    answer = json.load(open(taskdef_file))
    td = answer.get("taskDefinition", answer)
    (c,) = [c for c in td["containerDefinitions"] if c.get("essential", True)]
    env = {e["name"]: e["value"] for e in c.get("environment", [])}
    for s in c.get("secrets", []):
        env[s["name"]] = resolve(s["valueFrom"])
    for pair in overrides:
        name, _, value = pair.partition("=")
        env[name] = value
    for name, value in env.items():
        if "\n" in value:
            fail("%s has a line break: podman's --env-file cannot carry it" % name)
    args = []
    if c.get("user"):
        args += ["--user", c["user"]]
    if c.get("readonlyRootFilesystem"):
        args.append("--read-only")
    # Fargate's size is the task's: cpu units (1024 a vCPU) and MiB.
    args += ["--cpus", "%g" % (int(td["cpu"]) / 1024), "--memory", "%sm" % td["memory"]]
    if [m["containerPath"] for m in c.get("mountPoints", [])] != ["/tmp"]:
        fail("expected one mount point, /tmp, got %s" % c.get("mountPoints"))
    args.append(c["image"])
    os.makedirs(out_dir, exist_ok=True)
    fd = os.open(os.path.join(out_dir, "env"), os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as f:
        f.writelines("%s=%s\n" % kv for kv in env.items())
    with open(os.path.join(out_dir, "args"), "w") as f:
        f.writelines(a + "\n" for a in args)


def credentials(port, token, log):
    class Handler(http.server.BaseHTTPRequestHandler):
        def do_GET(self):
            with open(log, "a") as f:
                f.write("%s %s\n" % (self.path, "authorized" if self.headers.get("Authorization") == token else "refused"))
            if self.headers.get("Authorization") != token:
                self.send_error(403)
                return
            expiration = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(hours=1)
            body = json.dumps({
                "AccessKeyId": "ASIAE2ETASKROLE00001",
                "SecretAccessKey": "e2e-task-role-secret-key",
                "Token": "e2e-task-role-session-token",
                "Expiration": expiration.strftime("%Y-%m-%dT%H:%M:%SZ"),
                "RoleArn": "task-role",
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(body)))
            self.end_headers()
            self.wfile.write(body)

        def log_message(self, *args):
            pass

    http.server.HTTPServer(("127.0.0.1", int(port)), Handler).serve_forever()


if __name__ == "__main__":
    if len(sys.argv) >= 4 and sys.argv[1] == "container":
        container(sys.argv[2], sys.argv[3], sys.argv[4:])
    elif len(sys.argv) == 5 and sys.argv[1] == "credentials":
        credentials(*sys.argv[2:])
    else:
        sys.stderr.write(__doc__)
        sys.exit(2)
