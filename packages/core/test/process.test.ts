import { describe, expect, it } from "vitest";
import {
  ADDRESS_ENV,
  AddressError,
  addressEnv,
  addressFromEnv,
  childReady,
  PeerGoneError,
  spawnScript,
} from "../src/index.ts";

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

describe("an address handed to a child through its environment", () => {
  it("travels as JSON beside this process's environment, and comes back whole", () => {
    const address = { host: "127.0.0.1", port: 7070, token: "secret" };
    const env = addressEnv(address);
    expect(env.PATH).toBe(process.env.PATH);
    const saved = process.env[ADDRESS_ENV];
    process.env[ADDRESS_ENV] = env[ADDRESS_ENV];
    try {
      expect(addressFromEnv<typeof address>()).toEqual(address);
    } finally {
      if (saved === undefined) delete process.env[ADDRESS_ENV];
      else process.env[ADDRESS_ENV] = saved;
    }
  });

  it("is an AddressError that says what to do when the parent gave none", () => {
    const saved = process.env[ADDRESS_ENV];
    delete process.env[ADDRESS_ENV];
    try {
      expect(() => addressFromEnv()).toThrow(AddressError);
      expect(() => addressFromEnv()).toThrow(/IPC_ATLAS_ADDRESS is not set/);
    } finally {
      if (saved !== undefined) process.env[ADDRESS_ENV] = saved;
    }
  });
});
