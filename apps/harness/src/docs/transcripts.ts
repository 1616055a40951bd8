/**
 * Comparing demo transcripts. What the scheduler decides differs from run to run (times, pids,
 * ports, temporary paths, which member of a queue group gets a message, how lines of different
 * processes interleave), so transcripts are compared normalised: numbers become N, and each
 * actor's lines are compared as a sorted list. A demo that says something else, adds or drops an
 * event, or changes an actor still differs.
 */

export function normaliseLine(line: string): string {
  return line
    .replace(/\+\d+\.\d{3}s/g, "+T")
    .replace(/\bpid \d+/g, "pid N")
    .replace(/(127\.0\.0\.1|localhost|\[::1\]|0\.0\.0\.0):\d+/g, "$1:PORT")
    .replace(/\bport \d+/g, "port N")
    .replace(/\/tmp\/[^\s"'`),]+/g, "/tmp/…")
    .replace(/\b[0-9a-f]{6,}\b/g, "HEX")
    .replace(/\b\d+(\.\d+)? ?(ms|µs|us|s)\b/g, "N $2")
    .replace(/\d+(\.\d+)?/g, "N")
    .replace(/\bN (\w+?)s\b/g, "N $1") // "1 message", "3 messages"
    .replace(/\s+/g, " ")
    .trim();
}

/** Normalised lines grouped by actor (the column after the time), each group sorted. */
export function byActor(transcript: string): Map<string, string[]> {
  const groups = new Map<string, string[]>();
  for (const raw of transcript.split("\n")) {
    const line = normaliseLine(raw);
    if (!line) continue;
    const actor = /^\+T (\S+)/.exec(line)?.[1] ?? "·";
    groups.set(actor, [...(groups.get(actor) ?? []), line]);
  }
  for (const lines of groups.values()) lines.sort();
  return groups;
}

/** Normalised lines found in only one of two transcripts, for the check's message. */
export function transcriptDiff(committed: string, fresh: string): string[] {
  const a = [...byActor(committed).values()].flat();
  const b = [...byActor(fresh).values()].flat();
  return [
    ...a.filter((line) => !b.includes(line)).map((line) => `- ${line}`),
    ...b.filter((line) => !a.includes(line)).map((line) => `+ ${line}`),
  ];
}

export function sameTranscript(a: string, b: string): boolean {
  const ga = byActor(a);
  const gb = byActor(b);
  if (ga.size !== gb.size) return false;
  for (const [actor, lines] of ga) {
    if (JSON.stringify(lines) !== JSON.stringify(gb.get(actor))) return false;
  }
  return true;
}
