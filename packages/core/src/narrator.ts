/**
 * Demo narration. Demos say what happens as it happens — who sends, who receives, who waits —
 * with the time since the demo started. Child processes narrate through their parent, so
 * one transcript shows every process in order; worker threads narrate through their parent
 * port the same way.
 */

import { isMainThread, parentPort } from "node:worker_threads";

export interface Narrator {
  /** One event by one actor: `say("producer", "SEND", "#1 hello")`. */
  say(actor: string, event: string, detail?: string): void;
  /** A line of explanation between events. */
  note(text: string): void;
}

export interface NarrationLine {
  actor: string;
  event: string;
  detail?: string | undefined;
}

/** A narrator that prints to a stream: `  +0.012s  producer        SEND      #1 hello`. */
export function consoleNarrator(
  write: (line: string) => void = (line) => process.stdout.write(`${line}\n`),
): Narrator {
  const start = process.hrtime.bigint();
  const elapsed = () => {
    const ms = Number(process.hrtime.bigint() - start) / 1e6;
    return `+${(ms / 1000).toFixed(3)}s`.padStart(9);
  };
  return {
    say(actor, event, detail) {
      write(`${elapsed()}  ${actor.padEnd(18)} ${event.padEnd(9)} ${detail ?? ""}`.trimEnd());
    },
    note(text) {
      write(`${" ".repeat(11)}· ${text}`);
    },
  };
}

/**
 * The narrator a demo's child process or worker thread uses: events travel to the parent over
 * the IPC channel or the parent port (so they interleave correctly with the parent's own
 * lines); without either, they print.
 */
export function childNarrator(actor: string): Narrator & { sayAs(event: string, detail?: string): void } {
  const port = isMainThread ? null : parentPort;
  const send = port ? (message: unknown) => port.postMessage(message) : process.send?.bind(process);
  const local = consoleNarrator();
  const narrator: Narrator = {
    say(who, event, detail) {
      if (send) send({ narrate: { actor: who, event, detail } satisfies NarrationLine });
      else local.say(who, event, detail);
    },
    note(text) {
      if (send) send({ narrateNote: text });
      else local.note(text);
    },
  };
  return { ...narrator, sayAs: (event, detail) => narrator.say(actor, event, detail) };
}

/**
 * A narrator that keeps what a demo says, for the tests that check a demo shows what its page
 * claims: each event as one line `actor EVENT detail`, each note as `· note`.
 */
export function recordingNarrator(): Narrator & { lines: string[] } {
  const lines: string[] = [];
  return {
    lines,
    say: (actor, event, detail) => lines.push(`${actor} ${event} ${detail ?? ""}`),
    note: (text) => lines.push(`· ${text}`),
  };
}

/** Shows a message's bytes in a transcript: short UTF-8 text quoted, anything else by size. */
export function preview(bytes: Uint8Array): string {
  const text = Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("utf8");
  if (bytes.byteLength <= 48 && /^[\x20-\x7e]*$/.test(text)) return JSON.stringify(text);
  return `<${bytes.byteLength} bytes>`;
}
