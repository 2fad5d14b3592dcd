// The reference check finds each kind of broken reference, and nothing in a repository whose references all
// resolve: run by .ci/lint/run.sh (node --test) before the check itself, on small repositories in a temp dir.
"use strict";

const test = require("node:test");
const assert = require("node:assert");
const fs = require("fs");
const os = require("os");
const path = require("path");
const { execFileSync } = require("child_process");
const { check } = require("./check-references.cjs");

function repo(files) {
  const root = fs.mkdtempSync(path.join(os.tmpdir(), "ferry-references-"));
  for (const [name, text] of Object.entries(files)) {
    fs.mkdirSync(path.dirname(path.join(root, name)), { recursive: true });
    fs.writeFileSync(path.join(root, name), text);
  }
  execFileSync("git", ["init", "-q", root]);
  return root;
}

const base = {
  "README.md": "# Ferry\n\n## Exit codes\n\n## GitHub variables and Terraform outputs\n\nSee [the module](terraform/README.md#inputs).\n",
  "terraform/README.md": "# Module\n\n## Inputs\n\nSee [exit codes](../README.md#exit-codes) and [below](#inputs).\n",
  "ecs/run-migration": '#!/usr/bin/env bash\n# The codes: README\'s "Exit codes"; the template is ecs/task.tpl.\n',
  "ecs/task.tpl": "{}\n",
  ".gitignore": "target/\n",
  "src/main/java/dev/ferry/Cleanup.java": "package dev.ferry;\n/** Used by {@link Runner}, see {@link String}. */\nclass Cleanup {}\n",
  "src/main/java/dev/ferry/Runner.java":
    "package dev.ferry;\nimport java.util.List;\n/** Calls {@link Cleanup#run}, {@link List}, {@link #go}; builds into target/ferry.jar. */\nclass Runner {}\n",
};

test("a repository whose references all resolve has no finding", () => {
  const { problems } = check(repo(base));
  assert.deepStrictEqual(problems, []);
});

const broken = [
  ["a relative link to a missing file", "README.md", "See [x](docs/missing.md).\n", "docs/missing.md does not exist"],
  ["a link to a missing anchor", "terraform/README.md", "See [x](../README.md#settings).\n", "no heading with the anchor #settings"],
  ["a link to a missing anchor of the same file", "README.md", "See [x](#nowhere).\n", "#nowhere"],
  ["a quoted README section that is no heading", ".github/workflows/deploy.yml", '# (README.md, "Plan and drift\n# before the approval")\n', 'section "Plan and drift before the approval"'],
  ["a section of a missing document", "ecs/run-migration", "# see DESIGN.md section 3\n", "DESIGN.md, which does not exist"],
  ["a repository path that does not exist", "terraform/main.tf", "# runs ecs/run-migrations\n", "ecs/run-migrations, which does not exist"],
  ["a Java link to a class no source declares", "src/main/java/dev/ferry/Canceller.java", "package dev.ferry;\n/** Then {@link FailedMigrationCleanup}. */\nclass Canceller {}\n", "FailedMigrationCleanup"],
];

for (const [what, file, text, expected] of broken) {
  test(`${what} is a finding naming it`, () => {
    const files = { ...base };
    files[file] = (files[file] || "") + text;
    const { problems } = check(repo(files));
    assert.strictEqual(problems.length, 1, problems.join("\n"));
    assert.match(problems[0], new RegExp(`^${file.replace(/[.*+?^${}()|[\]\\/]/g, "\\$&")}:\\d+: `));
    assert.ok(problems[0].includes(expected), problems[0]);
  });
}
