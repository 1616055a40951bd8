// A vitest reporter that writes how many errors happened outside any test (an unhandled
// rejection or exception) to the file named by IPC_ATLAS_UNHANDLED_REPORT. Vitest's JSON report
// does not carry them: the run exits 1 while every file says "passed".

import { writeFileSync } from "node:fs";

export default class UnhandledErrorsReporter {
  onTestRunEnd(_modules, unhandledErrors, reason) {
    const file = process.env.IPC_ATLAS_UNHANDLED_REPORT;
    if (!file) return;
    const errors = unhandledErrors.map((e) => `${e.name ?? "Error"}: ${e.message ?? String(e)}`);
    writeFileSync(file, JSON.stringify({ reason, errors }));
  }
}
