/**
 * The narrated demo runs its server and client as two processes, tells what happened in
 * order, and leaves no process behind.
 */

import { liveChildren, type Narrator } from "@ipc-atlas/core";
import { expect, it } from "vitest";
import { rest } from "../src/index.ts";

it("the demo narrates requests, replies and messages from two processes, in order", async () => {
  const lines: string[] = [];
  const narrator: Narrator = {
    say: (actor, event, detail) => lines.push(`${actor} ${event} ${detail ?? ""}`),
    note: (text) => lines.push(`· ${text}`),
  };
  await rest.demo!(narrator);
  const index = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
  for (const [i, text] of ["hello", "over", "HTTP"].entries()) {
    const sent = index(new RegExp(`^producer \\(client\\) SEND +#${i + 1} "${text}"`));
    const received = index(new RegExp(`^consumer \\(server\\) RECEIVED #${i + 1} "${text}"`));
    const confirmed = index(new RegExp(`^producer \\(client\\) SENT +#${i + 1} 204`));
    expect(sent).toBeGreaterThanOrEqual(0);
    expect(received).toBeGreaterThan(sent);
    expect(confirmed).toBeGreaterThan(received);
  }
  expect(index(/REFUSED +EMSGSIZE/)).toBeGreaterThan(0);
  expect(index(/ERROR +415 EUNSUPPORTEDTYPE/)).toBeGreaterThan(0);
  expect(index(/ERROR +400 EBADJSON/)).toBeGreaterThan(0);
  const end = index(/^consumer \(server\) END/);
  expect(end, "the server narrated END").toBeGreaterThanOrEqual(0);
  expect(end).toBeLessThan(index(/^producer \(client\) CLOSED +204/));
  expect(liveChildren()).toEqual([]);
});
