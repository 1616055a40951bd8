/**
 * The server's header and request timeouts, with a raw TCP socket playing the slow client
 * (slowloris): headers one byte per second are cut off by the header timeout, a body that
 * trickles is cut off by the request timeout, and a request that has arrived whole and only
 * waits for the consumer to take it is not cut off by either (that wait is the synchronous
 * contract, not a slow client).
 */

import { connect } from "node:net";
import { describe, expect, it, onTestFinished } from "vitest";
import { MessageClient, MessageServer } from "../src/index.ts";

async function startServer(headersTimeoutMs: number, requestTimeoutMs: number): Promise<MessageServer> {
  const server = await MessageServer.start({ headersTimeoutMs, requestTimeoutMs });
  // Per test, not afterEach: the tests run concurrently and each owns its server.
  onTestFinished(() => server.close());
  return server;
}

/**
 * The worst lateness of a 50 ms timer from now until `stop()`: the timer lag this test saw
 * (server and client timers share this event loop, and on a loaded machine they all run late).
 */
function lagMeter(): { stop(): number } {
  let worst = 0;
  let last = performance.now();
  const timer = setInterval(() => {
    const now = performance.now();
    worst = Math.max(worst, now - last - 50);
    last = now;
  }, 50);
  return {
    stop() {
      clearInterval(timer);
      return worst;
    },
  };
}

/** When the server must have cut a slow client off: its timeout, Node's 500 ms check, the lag seen, and slack. */
const cutOffBound = (timeoutMs: number, lagMs: number) => timeoutMs + 500 + 2 * lagMs + 500;

interface SlowClientResult {
  /** Milliseconds from the first byte until the server closed the connection. */
  cutAfterMs: number;
  bytesSent: number;
  reply: string;
}

/** Writes `chunks` one at a time, `everyMs` apart, until the server ends the connection. */
function slowClient(port: number, chunks: string[], everyMs: number): Promise<SlowClientResult> {
  return new Promise((resolve, reject) => {
    const socket = connect(port, "127.0.0.1");
    let reply = "";
    let bytesSent = 0;
    let timer: NodeJS.Timeout | undefined;
    const started = Date.now();
    const next = () => {
      const chunk = chunks.shift();
      if (chunk === undefined || socket.destroyed) return;
      socket.write(chunk);
      bytesSent += chunk.length;
      timer = setTimeout(next, everyMs);
    };
    socket.on("connect", next);
    socket.on("data", (d) => {
      reply += d.toString();
    });
    socket.on("error", () => {}); // a reset after the 408 is the expected end
    socket.on("close", () => {
      clearTimeout(timer);
      resolve({ cutAfterMs: Date.now() - started, bytesSent, reply });
    });
    setTimeout(() => {
      socket.destroy();
      reject(new Error("the server never cut the slow client off"));
    }, 30_000).unref();
  });
}

describe.concurrent("server timeouts", () => {
  it("a client sending its headers one byte per second is cut off by a 2 s header timeout with 408", async () => {
    const server = await startServer(2000, 4000);
    const headers =
      "POST /messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 5\r\n\r\n";
    const lag = lagMeter();
    const result = await slowClient(server.port, headers.split(""), 1000);
    const lagMs = lag.stop();
    expect(result.reply).toMatch(/^HTTP\/1\.1 408/);
    expect(result.cutAfterMs).toBeGreaterThanOrEqual(1900);
    expect(result.cutAfterMs, `timer lag ${lagMs.toFixed(0)} ms`).toBeLessThan(cutOffBound(2000, lagMs));
    expect(result.bytesSent).toBeLessThan(headers.length);
  });

  it("a body trickling in 100 ms apart is cut off by a 2 s request timeout with 408", async () => {
    const server = await startServer(1000, 2000);
    const head =
      "POST /messages HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/octet-stream\r\nContent-Length: 200\r\n\r\n";
    const lag = lagMeter();
    const result = await slowClient(server.port, [head, ...Array.from({ length: 200 }, () => "x")], 100);
    const lagMs = lag.stop();
    expect(result.reply).toMatch(/^HTTP\/1\.1 408/);
    expect(result.cutAfterMs).toBeGreaterThanOrEqual(1900);
    expect(result.cutAfterMs, `timer lag ${lagMs.toFixed(0)} ms`).toBeLessThan(cutOffBound(2000, lagMs));
    expect(result.bytesSent).toBeLessThan(head.length + 200);
  });

  it("a whole request waiting 2.6 s for the consumer outlives a 2 s request timeout and gets its 204", async () => {
    const server = await startServer(1000, 2000);
    const producer = new MessageClient({
      url: `http://127.0.0.1:${server.port}`,
      maxMessageSize: server.maxMessageSize,
    });
    try {
      const sending = producer.send(Buffer.from("patience"));
      await new Promise((resolve) => setTimeout(resolve, 2600));
      const taken = await server[Symbol.asyncIterator]().next();
      expect(Buffer.from(taken.value as Uint8Array).toString()).toBe("patience");
      await sending;
    } finally {
      await producer.destroy();
    }
  });
});
