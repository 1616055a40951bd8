import { describe, expect, it } from "vitest";
import { childReady, PeerGoneError, spawnScript } from "../src/index.ts";

const fixture = new URL("./fixtures/exit-task.ts", import.meta.url);

describe("childReady, the parent's side of the ready/go handshake", () => {
  it("resolves when the child process says it is ready", async () => {
    const child = spawnScript(fixture, { stdio: "pipe" });
    try {
      await expect(childReady(child, "the fixture")).resolves.toBeUndefined();
    } finally {
      child.kill("SIGKILL");
    }
  });

  it("fails with PeerGoneError, its exit code and its output, when the child exits before it is ready", async () => {
    const child = spawnScript(fixture, { args: ["--fail-early"], stdio: "pipe" });
    try {
      const ready = childReady(child, "the fixture");
      await expect(ready).rejects.toThrow(PeerGoneError);
      await expect(ready).rejects.toThrow(
        /the fixture exited with code 3 before it was ready: .*no such queue/,
      );
    } finally {
      child.kill("SIGKILL");
    }
  });
});
