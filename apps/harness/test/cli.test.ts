import { execFile } from "node:child_process";
import { fileURLToPath } from "node:url";
import { promisify } from "node:util";
import { tsxLoader, variantIds } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";

const cli = fileURLToPath(new URL("../src/cli.ts", import.meta.url));
const run = async (...args: string[]) => {
  try {
    const { stdout, stderr } = await promisify(execFile)(
      process.execPath,
      ["--import", tsxLoader, cli, ...args],
      {
        timeout: 60_000,
      },
    );
    return { code: 0, stdout, stderr };
  } catch (error) {
    const e = error as { code: number; stdout: string; stderr: string };
    return { code: e.code, stdout: e.stdout, stderr: e.stderr };
  }
};

describe("the ipc-atlas command", () => {
  it("lists all 15 variants in the taxonomy tree, each available", async () => {
    const { code, stdout, stderr } = await run("list");
    expect(code).toBe(0);
    expect(stderr).toBe("");
    for (const id of variantIds) expect(stdout).toMatch(new RegExp(`── ${id} +✓ available`));
    expect(stdout).toContain("15 of 15 variants available");
  });

  it("refuses a network demo beyond loopback without --tls or --insecure, naming both", async () => {
    const { code, stdout } = await run("demo", "rest", "--host", "0.0.0.0");
    expect(code).not.toBe(0);
    expect(stdout).toContain("--tls");
    expect(stdout).toContain("--insecure");
  });

  it("explains a variant from its catalogue page", async () => {
    const { code, stdout } = await run("explain", "message-queues");
    expect(code).toBe(0);
    expect(stdout).toContain("scope:   inter-process, OS");
    expect(stdout).toContain("## Semantics");
    expect(stdout).toContain("at-most-once");
  });

  it("rejects an unknown id with the list of valid ids", async () => {
    for (const command of [
      ["explain", "carrier-pigeon"],
      ["demo", "carrier-pigeon"],
    ]) {
      const { code, stderr } = await run(...command);
      expect(code).toBe(2);
      expect(stderr).toContain('unknown variant "carrier-pigeon"');
      expect(stderr).toContain("use one of: pipes-unnamed, pipes-unnamed-io");
    }
  });

  it("shows the unbuffered channel's sender waiting for the receiver", async () => {
    const { code, stdout } = await run("demo", "channels-unbuffered");
    expect(code).toBe(0);
    expect(stdout).toMatch(/WAIT/);
    expect(stdout).toMatch(/RECEIVED/);
  });
});
