import { createServer } from "node:net";
import { constants } from "node:os";
import { describe, expect, it } from "vitest";
import { AddressError, exitCodeOf, freePort, listen, signalNumber } from "../src/index.ts";

describe("listen and freePort", () => {
  it("listens on a port the kernel picks and reports it", async () => {
    const server = createServer();
    try {
      const port = await listen(server, "127.0.0.1");
      expect(port).toBeGreaterThan(0);
      expect((server.address() as { port: number }).port).toBe(port);
    } finally {
      server.close();
    }
  });

  it("turns a port in use into a typed error that says what to do", async () => {
    const holder = createServer();
    const other = createServer();
    try {
      const port = await listen(holder, "127.0.0.1");
      const error = await listen(other, "127.0.0.1", port).catch((e: unknown) => e);
      expect(error).toBeInstanceOf(AddressError);
      expect(error).toMatchObject({ code: "EADDRINUSE" });
      expect((error as AddressError).hint).toMatch(/ss -ltnp/);
    } finally {
      holder.close();
      other.close();
    }
  });

  it("freePort returns a port that can be bound right after", async () => {
    const port = await freePort();
    const server = createServer();
    try {
      expect(await listen(server, "127.0.0.1", port)).toBe(port);
    } finally {
      server.close();
    }
  });
});

describe("signals", () => {
  it("numbers come from the OS table, SIGSEGV included", () => {
    expect(signalNumber("SIGSEGV")).toBe(constants.signals.SIGSEGV);
    expect(signalNumber("SIGKILL")).toBe(9);
    expect(signalNumber("NOT-A-SIGNAL")).toBe(0);
    expect(exitCodeOf(null, "SIGSEGV")).toBe(128 + constants.signals.SIGSEGV);
    expect(exitCodeOf(3, null)).toBe(3);
  });
});
