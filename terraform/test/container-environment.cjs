#!/usr/bin/env node
// The container environment has two writers: the module (terraform/main.tf, local.container_environment) and the
// template for environments without Terraform (ecs/task-definition.json.tpl, its defaults and required values in
// ecs/render-task-definition). This check fails when they differ:
//   - every name the module can set is in the template, and every name of the template is one the module sets;
//   - each name has the same default, where "default" is what the task gets with every module input at its
//     default and the renderer given only its required values:
//       module sets V (a literal, or a variable's default)        <-> the template renders V;
//       module needs an input without default                     <-> the template requires the value;
//       module derives it from an input (a local: region, ARNs)   <-> the template requires it, or renders it
//                                                                     empty (Ferry reads blank as unset);
//       module leaves it out unless an optional input is given    <-> the template renders it empty or requires
//       (a map under `cond ? {...} : {}`), with value V when set      it, or, when V is a default, renders V;
//   - the "Container environment" table of terraform/README.md names exactly the module's names;
//   - the task's cpu and memory defaults (variables.tf) are the renderer's FERRY_TASK_CPU and FERRY_TASK_MEMORY.
// The .tf files are parsed with @cdktf/hcl2json; expressions the check does not understand are an error, not a
// pass, so a new kind of entry in the module makes this check grow with it.
//
// Usage: [HCL2JSON_MODULE=<path to @cdktf/hcl2json>] node terraform/test/container-environment.cjs REPO_ROOT
// Exit codes: 0 they agree; 1 they differ (each difference is printed); 2 usage error or an expression the
// check cannot read.
"use strict";

const fs = require("fs");
const path = require("path");
// HCL2JSON_MODULE (run-tests.sh sets it) or the copy npm ci put beside this script.
const { parse } = require(
  process.env.HCL2JSON_MODULE ? path.resolve(process.env.HCL2JSON_MODULE) : path.join(__dirname, "node_modules/@cdktf/hcl2json"),
);

class Unreadable extends Error {}

// Splits S at top-level occurrences of the separator regex SEP (outside (), [], {} and strings).
function splitTop(s, sep) {
  const parts = [];
  let depth = 0;
  let quote = false;
  let start = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (quote) {
      if (c === "\\") i++;
      else if (c === '"') quote = false;
      continue;
    }
    if (c === '"') quote = true;
    else if ("([{".includes(c)) depth++;
    else if (")]}".includes(c)) depth--;
    else if (depth === 0 && sep.test(c)) {
      parts.push(s.slice(start, i));
      start = i + 1;
    }
  }
  parts.push(s.slice(start));
  return parts.map((p) => p.trim()).filter((p) => p !== "");
}

const unwrap = (e) => e.trim().replace(/^\$\{([\s\S]*)\}$/, "$1").trim();

function makeModel(variables, locals) {
  // What an expression is worth with every input at its default: {kind: "value", value} | {kind: "required"}
  // | {kind: "unset"} (null or empty) | {kind: "derived"} (computed from other inputs).
  function evaluate(expr) {
    const e = unwrap(expr);
    let m;
    if ((m = /^"((?:[^"\\$]|\\.)*)"$/.exec(e))) return { kind: "value", value: JSON.parse(`"${m[1]}"`) };
    if (e === "null") return { kind: "unset" };
    if ((m = /^(?:tostring\()?var\.(\w+)\)?$/.exec(e))) {
      const v = variables[m[1]];
      if (!v) throw new Unreadable(`no variable "${m[1]}"`);
      if (!("default" in v)) return { kind: "required" };
      const d = v.default;
      if (d === null || (typeof d === "object" && Object.keys(d).length === 0)) return { kind: "unset" };
      return { kind: "value", value: String(d) };
    }
    const ternary = splitTernary(e);
    if (ternary) return evaluate(condition(ternary.cond) ? ternary.then : ternary.else);
    if ((m = /^local\.(\w+)$/.exec(e))) {
      if (!(m[1] in locals)) throw new Unreadable(`no local "${m[1]}"`);
      const r = evaluateOrDerived(locals[m[1]]);
      return r.kind === "unset" ? r : { kind: "derived" };
    }
    throw new Unreadable(`cannot read the expression ${e}`);
  }
  // A local may be any computation: what it is made of does not matter, only whether it is null at defaults.
  function evaluateOrDerived(expr) {
    try {
      return evaluate(expr);
    } catch (err) {
      if (err instanceof Unreadable) return { kind: "derived" };
      throw err;
    }
  }
  function condition(cond) {
    let m;
    if ((m = /^((?:var|local)\.\w+)\s*(!=|==)\s*null$/.exec(cond))) {
      const unset = evaluate(m[1]).kind === "unset";
      return m[2] === "==" ? unset : !unset;
    }
    if ((m = /^length\((var\.\w+)\)\s*>\s*0$/.exec(cond))) return evaluate(m[1]).kind !== "unset";
    throw new Unreadable(`cannot read the condition ${cond}`);
  }
  // The environment a merge(...) of maps builds: name -> {conditional, at}.
  function environment(expr, into = {}, conditional = false) {
    const e = unwrap(expr);
    let m;
    if ((m = /^merge\(([\s\S]*)\)$/.exec(e))) {
      for (const arg of splitTop(m[1], /,/)) environment(arg, into, conditional);
    } else if (e.startsWith("{")) {
      for (const entry of splitTop(e.slice(1, -1), /[,\n]/)) {
        const kv = /^([A-Za-z_][A-Za-z0-9_]*)\s*=\s*([\s\S]+)$/.exec(entry);
        if (!kv) throw new Unreadable(`cannot read the map entry ${entry}`);
        let at = evaluate(kv[2]);
        if (conditional && at.kind === "unset") at = { kind: "derived" }; // set only when its input is given
        into[kv[1]] = { conditional, at };
      }
    } else if ((m = splitTernary(e))) {
      if (unwrap(m.else) !== "{}") throw new Unreadable(`a conditional map must be "cond ? {...} : {}": ${e}`);
      environment(m.then, into, conditional || !condition(m.cond));
    } else if ((m = /^local\.(\w+)$/.exec(e))) {
      environment(locals[m[1]], into, conditional);
    } else if (/^var\.\w+$/.test(e)) {
      // a map the caller gives (environment_variables): not the module's own names
    } else {
      throw new Unreadable(`cannot read the environment part ${e}`);
    }
    return into;
  }
  return { environment };
}

// "cond ? a : b" at the top level, else null.
function splitTernary(e) {
  const q = splitTop(e, /\?/);
  if (q.length !== 2) return null;
  const c = splitTop(q[1], /:/);
  if (c.length !== 2) return null;
  return { cond: q[0], then: c[0], else: c[1] };
}

function templateEnvironment(templateText, rendererText) {
  const defaults = {};
  for (const m of rendererText.matchAll(/^\s*:\s*"\$\{(\w+)=(.*)\}"\s*$/gm)) defaults[m[1]] = m[2];
  const req = /REQUIRED\s*=\s*\{([^}]*)\}/.exec(rendererText);
  if (!req) throw new Unreadable("no REQUIRED set in ecs/render-task-definition");
  const required = new Set([...req[1].matchAll(/"(\w+)"/g)].map((m) => m[1]));
  const env = {};
  const block = /"environment"\s*:\s*\[([\s\S]*?)\]/.exec(templateText);
  if (!block) throw new Unreadable("no environment list in the template");
  for (const m of block[1].matchAll(/\{\s*"name"\s*:\s*"([^"]+)"\s*,\s*"value"\s*:\s*"([^"]*)"\s*\}/g)) {
    const p = /^\$\{(\w+)\}$/.exec(m[2]);
    let at;
    if (!p) at = { kind: "value", value: m[2] };
    else if (required.has(p[1]) || !(p[1] in defaults) || defaults[p[1]].includes("$")) at = { kind: "required" };
    else if (defaults[p[1]] === "") at = { kind: "unset" };
    else at = { kind: "value", value: defaults[p[1]] };
    env[m[1]] = at;
  }
  return env;
}

const show = (at) => (at.kind === "value" ? JSON.stringify(at.value) : at.kind);

function agree(mod, tpl) {
  const { conditional, at } = mod;
  if (at.kind === "value") return tpl.kind === "value" && tpl.value === at.value;
  if (at.kind === "required") return tpl.kind === "required";
  if (at.kind === "derived") return tpl.kind === "required" || tpl.kind === "unset";
  throw new Error(`unexpected module value ${show(at)} (conditional ${conditional})`);
}

// Names in the first column of the "Container environment" table of terraform/README.md.
function readmeNames(readme) {
  const start = readme.indexOf("### Container environment");
  if (start < 0) throw new Unreadable('terraform/README.md has no "Container environment" table');
  const lines = readme.slice(start).split("\n").slice(1);
  const names = new Set();
  let inTable = false;
  for (const line of lines) {
    if (!line.startsWith("|")) {
      if (inTable) break;
      continue;
    }
    inTable = true;
    const first = line.split("|")[1];
    for (const m of first.matchAll(/`([A-Z][A-Z0-9_]+)`/g)) names.add(m[1]);
  }
  return names;
}

async function main(argv) {
  if (argv.length !== 1) {
    console.error("usage: container-environment.cjs REPO_ROOT");
    return 2;
  }
  const root = argv[0];
  const read = (p) => fs.readFileSync(path.join(root, p), "utf8");
  const vars = await parse("variables.tf", read("terraform/variables.tf"));
  const main_ = await parse("main.tf", read("terraform/main.tf"));
  const variables = Object.fromEntries(Object.entries(vars.variable).map(([k, v]) => [k, v[0]]));
  const locals = Object.assign({}, ...(main_.locals || []));
  if (!locals.container_environment) throw new Unreadable("terraform/main.tf has no local.container_environment");

  const mod = makeModel(variables, locals).environment(locals.container_environment);
  const tpl = templateEnvironment(read("ecs/task-definition.json.tpl"), read("ecs/render-task-definition"));
  const problems = [];
  for (const name of Object.keys(mod).sort()) {
    if (!(name in tpl)) problems.push(`${name}: the module sets it (${show(mod[name].at)}), the template lacks it`);
    else if (!agree(mod[name], tpl[name]))
      problems.push(`${name}: the module's default is ${show(mod[name].at)}${mod[name].conditional ? " (set only with its input)" : ""}, the template's ${show(tpl[name])}`);
  }
  for (const name of Object.keys(tpl).sort()) {
    if (!(name in mod)) problems.push(`${name}: the template sets it (${show(tpl[name])}), the module never does`);
  }
  const documented = readmeNames(read("terraform/README.md"));
  for (const name of Object.keys(mod).sort()) {
    if (!documented.has(name)) problems.push(`${name}: missing from terraform/README.md's "Container environment" table`);
  }
  for (const name of [...documented].sort()) {
    if (!(name in mod)) problems.push(`${name}: in terraform/README.md's "Container environment" table, but the module never sets it`);
  }
  // The task's size has the same two writers: the module's cpu/memory defaults and the renderer's.
  const renderer = read("ecs/render-task-definition");
  for (const [input, setting] of [["cpu", "FERRY_TASK_CPU"], ["memory", "FERRY_TASK_MEMORY"]]) {
    const m = renderer.match(new RegExp(`\\$\\{${setting}=(\\d+)\\}`));
    if (!m) throw new Unreadable(`no default for ${setting} in ecs/render-task-definition`);
    const moduleDefault = variables[input] && variables[input].default;
    if (String(moduleDefault) !== m[1])
      problems.push(`task ${input}: the module's default is ${moduleDefault}, ecs/render-task-definition's ${setting} is ${m[1]}`);
  }
  for (const p of problems) console.error(`container-environment: ${p}`);
  console.error(`container-environment: ${Object.keys(mod).length} name(s) in the module, ${Object.keys(tpl).length} in the template, ${problems.length} difference(s)`);
  return problems.length ? 1 : 0;
}

main(process.argv.slice(2)).then(
  (code) => process.exit(code),
  (e) => {
    console.error(`container-environment: ${e instanceof Unreadable ? e.message : e.stack || e}`);
    process.exit(e instanceof Unreadable ? 2 : 1);
  },
);
