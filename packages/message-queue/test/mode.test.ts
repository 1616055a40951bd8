/**
 * The mode a queue is created with is exactly the mode asked for (0600 by default), whatever
 * the process umask: the addon creates with O_EXCL and then fchmods the new descriptor.
 */

import { fstatSync } from "node:fs";
import { describe, expect, it } from "vitest";
import { MessageQueue } from "../src/index.ts";
import { trackedQueues } from "./helpers.ts";

const queues = trackedQueues("mq-mode");

describe("creation mode", () => {
  for (const umask of [0o000, 0o022, 0o077, 0o777]) {
    it(`umask ${umask.toString(8).padStart(4, "0")}: default 0600, 0644 and 0666 come out exactly`, async () => {
      const previous = process.umask(umask);
      try {
        for (const [mode, expected] of [
          [undefined, 0o600],
          [0o644, 0o644],
          [0o666, 0o666],
          [0o000, 0o000],
        ] as const) {
          const queue = await MessageQueue.open(queues.name(), {
            create: true,
            maxMessages: 1,
            messageSize: 8,
            ...(mode === undefined ? {} : { mode }),
          });
          try {
            expect(queue.created).toBe(true);
            expect((fstatSync(queue.fd).mode & 0o777).toString(8)).toBe(expected.toString(8));
          } finally {
            queue.close();
          }
        }
      } finally {
        process.umask(previous);
      }
    });
  }

  it("opening an existing queue never changes its mode", async () => {
    const name = queues.name();
    const first = await MessageQueue.open(name, {
      create: true,
      mode: 0o640,
      maxMessages: 1,
      messageSize: 8,
    });
    const second = await MessageQueue.open(name, { create: true, mode: 0o600 });
    try {
      expect(second.created).toBe(false);
      expect(fstatSync(second.fd).mode & 0o777).toBe(0o640);
    } finally {
      first.close();
      second.close();
    }
  });
});
