#!/usr/bin/env node
// Every cross-reference in the repository resolves (run by .ci/lint/run.sh):
//   links      a relative Markdown link [text](path) or [text](path#anchor) or [text](#anchor) in a *.md names a
//              file that exists and a heading of it (GitHub's anchor: lower case, punctuation dropped, spaces to -);
//   sections   a section cited by quoted name, `README's "Drift"`, `README.md, "Drift"`, `ecs/README.md's table
//              "X"`, `"X" in bench/README.md`, is a heading of that file (a bare README is the top-level one);
//   paths      a repository path named anywhere (docs, comments, workflows, scripts: `ecs/run-migration`,
//              `.ci/image/README.md`, `db/`), that is a path starting with one of the repository's top-level
//              directories, or with a directory beside the citing file, or a bare upper-case Markdown file name,
//              exists, or is one git ignores (made by a build or an install: `target/`, `node_modules/`);
//   classes    a Java {@link X}, {@linkplain X} or @see X names a type that exists: declared in the sources,
//              imported by the file, or java.lang's.
// Files: what git tracks or would track (git ls-files --cached --others --exclude-standard), text only.
// Ignored: URLs, absolute paths, paths after $, ~, / or a word character (`$ROOT/ecs`, `/opt/ferry`), and a part
// after < or { (`db/migration/V<n>__x.sql` checks `db/migration`).
//
// Usage: node .ci/lint/check-references.cjs [ROOT]   (ROOT: the repository, default the current directory)
// Exit codes: 0 every reference resolves; 1 at least one does not (each printed as file:line: what); 2 usage.
"use strict";

const fs = require("fs");
const path = require("path");
const { execFileSync, spawnSync } = require("child_process");

const TEXT = /\.(md|ya?ml|sh|bash|bats|tf|java|cjs|mjs|js|py|toml|xml|tpl|properties|txt|sql)$|(^|\/)(Dockerfile|run|[a-z][a-z-]+)$/;
// Not read: installed or built trees, lock files, recorded answers, and this check's own test (its fixtures are
// broken references on purpose).
const SKIP = /(^|\/)(node_modules|target|\.terraform)\/|package-lock\.json$|\.terraform\.lock\.hcl$|\/fixtures\/|^\.ci\/lint\/check-references\.test\.cjs$/;

const JAVA_LANG = new Set(
  ("Appendable AutoCloseable Boolean Byte CharSequence Character Class ClassLoader Cloneable Comparable Deprecated " +
    "Double Enum Error Exception Float FunctionalInterface IllegalArgumentException IllegalStateException " +
    "IndexOutOfBoundsException Integer InterruptedException Iterable Long Math NullPointerException Number Object " +
    "Override Process ProcessBuilder ProcessHandle Record Runnable Runtime RuntimeException SafeVarargs " +
    "SecurityException Short StackOverflowError String StringBuilder SuppressWarnings System Thread ThreadLocal " +
    "Throwable UnsupportedOperationException Void OutOfMemoryError ArithmeticException ClassCastException " +
    "NumberFormatException CloneNotSupportedException ReflectiveOperationException").split(" "),
);

function listFiles(root) {
  const out = execFileSync("git", ["-C", root, "ls-files", "-z", "--cached", "--others", "--exclude-standard"], {
    encoding: "utf8",
  });
  return out
    .split("\0")
    .filter((f) => f && TEXT.test(f) && !SKIP.test(f) && fs.existsSync(path.join(root, f)))
    .filter((f) => {
      const buf = fs.readFileSync(path.join(root, f));
      return !buf.subarray(0, 8000).includes(0);
    });
}

// GitHub's heading anchors of a Markdown text.
function anchorsOf(text) {
  const seen = new Map();
  const anchors = new Set();
  for (const heading of headingsOf(text)) {
    const base = heading
      .toLowerCase()
      .replace(/[^\p{L}\p{N}\s_-]/gu, "")
      .replace(/\s/g, "-");
    const n = seen.get(base) || 0;
    seen.set(base, n + 1);
    anchors.add(n ? `${base}-${n}` : base);
  }
  return anchors;
}

function headingsOf(text) {
  const headings = [];
  let fence = false;
  for (const line of text.split("\n")) {
    if (/^\s*(```|~~~)/.test(line)) fence = !fence;
    if (fence) continue;
    const m = /^#{1,6}\s+(.*?)\s*#*\s*$/.exec(line);
    if (m) headings.push(m[1].replace(/\[([^\]]*)\]\([^)]*\)/g, "$1").replace(/[`*_]/g, ""));
  }
  return headings;
}

// Lines of TEXT joined into one string, comment leaders (#, //, *, --) and indentation dropped, so that a
// citation wrapped over two comment lines is one; lineAt(index) gives the 1-based line of a position.
function flatten(text) {
  const starts = [];
  let flat = "";
  for (const line of text.split("\n")) {
    starts.push(flat.length);
    flat += line.replace(/^\s*(#+|\/\/+|\/?\*+|--)?\s?/, "") + " ";
  }
  const lineAt = (index) => {
    let lo = 0;
    let hi = starts.length - 1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid] <= index) lo = mid;
      else hi = mid - 1;
    }
    return lo + 1;
  };
  return { flat, lineAt };
}

function check(root) {
  const files = listFiles(root);
  const problems = [];
  const report = (file, line, what) => problems.push(`${file}:${line}: ${what}`);
  const exists = (p) => fs.existsSync(path.join(root, p));
  // A path not made yet cannot say whether it is a directory: ask for both (node_modules/ patterns).
  const ignored = (p) =>
    [p, p.replace(/\/?$/, "/")].some((q) => spawnSync("git", ["-C", root, "check-ignore", "-q", "--no-index", q]).status === 0);
  const resolves = (p) => exists(p) || ignored(p);
  const read = (p) => fs.readFileSync(path.join(root, p), "utf8");
  const mdCache = new Map();
  const markdown = (p) => {
    if (!mdCache.has(p)) {
      const text = read(p);
      mdCache.set(p, { anchors: anchorsOf(text), headings: new Set(headingsOf(text).map((h) => h.toLowerCase())) });
    }
    return mdCache.get(p);
  };
  const topLevel = new Set(files.filter((f) => f.includes("/")).map((f) => f.split("/")[0]));

  // Java types declared anywhere in the sources.
  const javaTypes = new Set();
  for (const f of files.filter((f) => f.endsWith(".java"))) {
    for (const m of read(f).matchAll(/\b(?:class|interface|enum|record|@interface)\s+([A-Z]\w*)/g)) javaTypes.add(m[1]);
  }

  for (const file of files) {
    const text = read(file);
    const dir = path.posix.dirname(file);
    const lines = text.split("\n");

    // links (Markdown only), outside code fences and inline code
    if (file.endsWith(".md")) {
      let fence = false;
      lines.forEach((line, i) => {
        if (/^\s*(```|~~~)/.test(line)) fence = !fence;
        if (fence) return;
        const plain = line.replace(/`[^`]*`/g, "``");
        for (const m of plain.matchAll(/\]\(\s*<?([^)\s>]+)>?(?:\s+"[^"]*")?\s*\)|^\s*\[[^\]]+\]:\s+(\S+)/g)) {
          const target = m[1] || m[2];
          if (/^[a-z][a-z0-9+.-]*:/i.test(target)) continue; // http:, mailto:
          const [rel, anchor] = target.split("#");
          const targetFile = rel ? path.posix.normalize(path.posix.join(dir, decodeURI(rel))) : file;
          if (rel && !exists(targetFile)) {
            report(file, i + 1, `link to ${target}: ${targetFile} does not exist`);
          } else if (anchor !== undefined && targetFile.endsWith(".md") && !markdown(targetFile).anchors.has(anchor)) {
            report(file, i + 1, `link to ${target}: ${targetFile} has no heading with the anchor #${anchor}`);
          }
        }
      });
    }

    const { flat, lineAt } = flatten(text);

    // sections cited by quoted name
    const cite = (at, doc, section) => {
      if (!exists(doc)) return; // the path check reports a missing file
      if (!markdown(doc).headings.has(section.toLowerCase()))
        report(file, lineAt(at), `cites the section "${section}" of ${doc}, which has no such heading`);
    };
    const docPath = (name) => {
      if (!/README$/.test(name) && !name.endsWith(".md")) name += ".md";
      if (name === "README" || name === "README.md") return "README.md";
      if (name.includes("/")) return exists(name) ? name : path.posix.join(dir, name);
      return exists(path.posix.join(dir, name)) && dir !== "." && !/^README/.test(name) ? path.posix.join(dir, name) : name;
    };
    for (const m of flat.matchAll(/(?<![\w/.-])((?:[\w.-]+\/)*(?:README|[A-Z][A-Z_]+\.md)(?:\.md)?)(?:'s)?(?:\s+(?:table|section))?[,:]?\s+["“]([^"”]{2,80})["”]/g)) {
      cite(m.index, docPath(m[1]), m[2]);
    }
    for (const m of flat.matchAll(/["“]([^"”]{2,80})["”]\s+(?:in|of)\s+(?:the\s+)?((?:[\w.-]+\/)*(?:README|[A-Z][A-Z_]+)(?:\.md)?)(?![\w/-])/g)) {
      cite(m.index, docPath(m[2]), m[1]);
    }

    // paths
    for (const m of flat.matchAll(/(?<![\w/.$~@:{}%-])(\.?[\w-]+\/(?:[\w.*-]+\/)*(?:[\w.*-]*[\w*])?)(?=([<{$]?))/g)) {
      let p = m[1];
      const first = p.split("/")[0];
      let base;
      if (topLevel.has(first)) base = "";
      else if (dir !== "." && fs.existsSync(path.join(root, dir, first)) && fs.statSync(path.join(root, dir, first)).isDirectory()) base = dir;
      else continue;
      if (m[2]) p = p.slice(0, p.lastIndexOf("/") + 1); // a placeholder follows: its directory
      if (p.includes("*")) p = p.slice(0, p.indexOf("*")).replace(/[^/]*$/, "");
      const full = path.posix.join(base, p);
      if (!resolves(full)) report(file, lineAt(m.index), `names ${m[1]}, which does not exist${base ? ` (in ${base})` : ""}`);
    }
    for (const m of flat.matchAll(/(?<![\w/.$~@:{}%-])([A-Z][A-Z_]+\.md)\b/g)) {
      if (!resolves(m[1]) && !resolves(path.posix.join(dir, m[1]))) report(file, lineAt(m.index), `names ${m[1]}, which does not exist`);
    }

    // Java types in {@link}, {@linkplain}, @see
    if (file.endsWith(".java")) {
      const imported = new Set([...text.matchAll(/^import\s+(?:static\s+)?[\w.]*?\.([A-Z]\w*)(?:\.[\w*]+)*;/gm)].map((m) => m[1]));
      const wildcard = /^import\s+(?!dev\.ferry)[\w.]+\.\*;/m.test(text);
      for (const m of text.matchAll(/\{@link(?:plain)?\s+([\w.$]*)[#\s}]|@see\s+([\w.$]+)/g)) {
        const ref = m[1] ?? m[2];
        if (!ref) continue; // {@link #member}
        let name;
        if (/^[a-z]/.test(ref)) {
          if (!ref.startsWith("dev.ferry.")) continue; // another library's, fully qualified
          name = ref.split(".").find((s) => /^[A-Z]/.test(s));
          if (!name) continue;
        } else {
          name = ref.split(".")[0];
        }
        if (javaTypes.has(name) || imported.has(name) || JAVA_LANG.has(name) || (wildcard && !ref.startsWith("dev.ferry."))) continue;
        report(file, text.slice(0, m.index).split("\n").length, `refers to the type ${ref}, which no source declares or the file imports`);
      }
    }
  }
  return { files: files.length, problems };
}

function main(argv) {
  if (argv.length > 1 || argv.some((a) => a.startsWith("-"))) {
    console.error("usage: check-references.cjs [ROOT]");
    return 2;
  }
  const root = path.resolve(argv[0] || ".");
  const { files, problems } = check(root);
  for (const p of problems) console.log(p);
  console.log(`references: ${files} file(s) read, ${problems.length} broken reference(s)`);
  return problems.length ? 1 : 0;
}

if (require.main === module) process.exit(main(process.argv.slice(2)));
module.exports = { check, anchorsOf };
