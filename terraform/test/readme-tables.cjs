#!/usr/bin/env node
// The inputs and outputs tables of terraform/README.md and of each example's README, rendered from the
// variables.tf and outputs.tf beside them (parsed with @cdktf/hcl2json), between the lines
//   <!-- BEGIN GENERATED: terraform-inputs -->  ...  <!-- END GENERATED: terraform-inputs -->
//   <!-- BEGIN GENERATED: terraform-outputs --> ...  <!-- END GENERATED: terraform-outputs -->
// (the marker convention of src/test/java/dev/ferry/docs/GeneratedSection.java). The .tf files are the one
// source; a README's table is a copy.
//
// Usage: [HCL2JSON_MODULE=<path to @cdktf/hcl2json>] node terraform/test/readme-tables.cjs [--update] DIR...
//   DIR: a module directory holding variables.tf, outputs.tf and README.md
//
// Exit codes: 0 every table is up to date (or, with --update, was rewritten); 1 a table differs from what the
// .tf files give (the difference is printed), or a README lacks the markers; 2 usage error.
"use strict";

const fs = require("fs");
const path = require("path");
// HCL2JSON_MODULE (run-tests.sh sets it) or the copy npm ci put beside this script.
const { parse } = require(
  process.env.HCL2JSON_MODULE ? path.resolve(process.env.HCL2JSON_MODULE) : path.join(__dirname, "node_modules/@cdktf/hcl2json"),
);

// HCL's template escapes ($${, %%{) are what a reader of the README sees as ${ and %{.
const unescape = (s) => s.replace(/\$\$\{/g, "${").replace(/%%\{/g, "%{");
// A table cell: one line, pipes escaped.
const cell = (s) => unescape(String(s)).replace(/\s*\n\s*/g, " ").replace(/\|/g, "\\|");
// hcl2json writes a type constraint as an interpolation: "${map(string)}".
const typeOf = (t) => (typeof t === "string" ? t.replace(/^\$\{([\s\S]*)\}$/, "$1") : JSON.stringify(t));

async function blocks(file, kind) {
  if (!fs.existsSync(file)) return {};
  const doc = await parse(file, fs.readFileSync(file, "utf8"));
  const result = {};
  for (const [name, list] of Object.entries(doc[kind] || {})) result[name] = list[0];
  return result;
}

function inputsTable(variables) {
  const rows = Object.keys(variables)
    .sort()
    .map((name) => {
      const v = variables[name];
      const required = !("default" in v);
      const dflt = required ? "n/a" : "`" + cell(JSON.stringify(v.default)) + "`";
      return `| \`${name}\` | \`${cell(typeOf(v.type))}\` | ${dflt} | ${required ? "yes" : "no"} | ${cell(v.description || "")} |`;
    });
  return ["| Name | Type | Default | Required | Description |", "| --- | --- | --- | --- | --- |", ...rows].join("\n");
}

function outputsTable(outputs) {
  const rows = Object.keys(outputs)
    .sort()
    .map((name) => `| \`${name}\` | ${cell(outputs[name].description || "")} |`);
  return ["| Name | Description |", "| --- | --- |", ...rows].join("\n");
}

// Replaces the body between the markers of section NAME in TEXT; null when the markers are missing.
function replaceSection(text, name, body) {
  const re = new RegExp(`(<!-- BEGIN GENERATED: ${name} -->\\n)([\\s\\S]*?)(<!-- END GENERATED: ${name} -->)`);
  if (!re.test(text)) return null;
  return text.replace(re, (_, begin, _old, end) => `${begin}${body}\n${end}`);
}

function firstDifference(a, b) {
  const x = a.split("\n");
  const y = b.split("\n");
  for (let i = 0; i < Math.max(x.length, y.length); i++) {
    if (x[i] !== y[i]) return `line ${i + 1} of the section:\n  README: ${x[i] ?? "(none)"}\n  .tf:    ${y[i] ?? "(none)"}`;
  }
  return "";
}

async function main(argv) {
  const update = argv.includes("--update");
  const dirs = argv.filter((a) => a !== "--update");
  if (dirs.length === 0 || dirs.some((d) => d.startsWith("-"))) {
    console.error("usage: readme-tables.cjs [--update] DIR...");
    return 2;
  }
  let failed = 0;
  for (const dir of dirs) {
    const readme = path.join(dir, "README.md");
    const sections = {
      "terraform-inputs": inputsTable(await blocks(path.join(dir, "variables.tf"), "variable")),
      "terraform-outputs": outputsTable(await blocks(path.join(dir, "outputs.tf"), "output")),
    };
    const before = fs.readFileSync(readme, "utf8");
    let text = before;
    for (const [name, body] of Object.entries(sections)) {
      const next = replaceSection(text, name, body);
      if (next === null) {
        console.error(`readme-tables: ${readme} has no "BEGIN GENERATED: ${name}" / "END GENERATED: ${name}" markers`);
        failed++;
        continue;
      }
      const current = text.match(new RegExp(`<!-- BEGIN GENERATED: ${name} -->\\n([\\s\\S]*?)\\n?<!-- END GENERATED: ${name} -->`))[1];
      if (current !== body && !update) {
        console.error(`readme-tables: ${readme}: the ${name} table differs from the .tf files, ${firstDifference(current, body)}`);
        failed++;
      }
      text = next;
    }
    if (update && text !== before) {
      fs.writeFileSync(readme, text);
      console.error(`readme-tables: rewrote ${readme}`);
    }
  }
  if (failed && !update) console.error("readme-tables: run it with --update to rewrite the tables from the .tf files");
  return failed ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`readme-tables: ${e.stack || e}`);
    process.exit(1);
  },
);
