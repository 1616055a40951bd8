/**
 * Nothing is left behind: after a crash mid-stream, after the demo, no socket file, temporary
 * directory, listening port or child process of this package remains.
 */

import { existsSync } from "node:fs";
import { createServer } from "node:net";
import { dirname } from "node:path";
import { liveChildren, type Narrator, spawnConsumer, spawnProducer } from "@ipc-atlas/core";
import { describe, expect, it } from "vitest";
import { type GrpcAddressBase, type GrpcVariant, grpcNetwork, grpcOs } from "../src/index.ts";

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portIsFree(port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const probe = createServer();
    probe.once("error", () => resolve(false));
    probe.listen(port, "127.0.0.1", () => probe.close(() => resolve(true)));
  });
}

/**
 * What a variant's medium left: a socket file or directory (grpc-os), a bound port (grpc-network).
 * `directory: false` looks at the socket file only, for a check made before Endpoint.close()
 * removes the directory (and with it any socket file).
 */
async function leftovers(address: GrpcAddressBase, { directory = true } = {}): Promise<string[]> {
  const found: string[] = [];
  const unix = address.target.startsWith("unix:") ? address.target.slice("unix:".length) : undefined;
  if (unix) {
    if (existsSync(unix)) found.push(`socket file ${unix}`);
    if (directory && existsSync(dirname(unix))) found.push(`directory ${dirname(unix)}`);
  } else {
    const port = Number(address.target.split(":").pop());
    if (!(await portIsFree(port))) found.push(`port ${port} still bound`);
  }
  return found;
}

const grpcVariants = [grpcOs, grpcNetwork] as unknown as GrpcVariant<GrpcAddressBase>[];

describe.each(grpcVariants)("$id leaves nothing behind", (variant) => {
  it("after the producer is killed mid-stream: no socket file, port or child process remains", async () => {
    const endpoint = await variant.open();
    const consumer = await spawnConsumer(variant, endpoint.address);
    const producer = await spawnProducer(variant, endpoint.address);
    const pids = [consumer.pid, producer.pid];
    let leftByConsumer: string[];
    try {
      const iterator = consumer[Symbol.asyncIterator]();
      const sending = producer.send(Buffer.from("one"));
      await iterator.next();
      await sending;
      // The producer crashes while its next Send waits for the consumer.
      void producer.send(Buffer.from("in flight")).catch(() => {});
      producer.kill("SIGKILL");
      await producer.dispose();
      // The consumer closes after its peer crashed: it removes its own socket file (grpc-os)
      // and frees its port (grpc-network), looked at before Endpoint.close() removes the directory.
      await consumer.close();
      await consumer.dispose();
      leftByConsumer = await leftovers(endpoint.address, { directory: false });
    } finally {
      await producer.dispose();
      await consumer.dispose();
      await endpoint.close();
    }
    expect(leftByConsumer, "left by the consumer after it closed").toEqual([]);
    expect(await leftovers(endpoint.address)).toEqual([]);
    expect(pids.filter(alive), "child processes still running").toEqual([]);
    expect(liveChildren()).toEqual([]);
  });

  it("after the narrated demo: the server and client processes are gone, and so is the medium", async () => {
    const lines: string[] = [];
    const narrator: Narrator = {
      say: (actor, event, detail) => lines.push(`${actor} ${event} ${detail ?? ""}`),
      note: (text) => lines.push(text),
    };
    await variant.demo!(narrator);
    const index = (pattern: RegExp) => lines.findIndex((line) => pattern.test(line));
    // What the page says the demo shows: a Greeter reply and a status code from the server ...
    expect(index(/^client REPLY SayHello\("Ada"\) → "Hello, Ada!"/)).toBeGreaterThan(0);
    expect(index(/^client ERROR GetPersonInfo\("Nobody"\) → status NOT_FOUND \(5\)/)).toBeGreaterThan(0);
    // ... then each Send answered only after the server took its message, and the one sent
    // while the server was busy (500 ms) answered only after that wait.
    const waited: number[] = [];
    for (const [i, text] of ["hello", "over gRPC"].entries()) {
      const received = index(new RegExp(`^server RECEIVED #${i + 1} "${text}"`));
      const sent = index(new RegExp(`^client SENT "${text}": answered after \\d+ ms`));
      expect(received, `server took #${i + 1}`).toBeGreaterThan(0);
      expect(sent, `the client heard #${i + 1} was taken after the server took it`).toBeGreaterThan(received);
      waited.push(Number(/after (\d+) ms/.exec(lines[sent]!)![1]));
    }
    expect(waited[1]).toBeGreaterThanOrEqual(400);
    expect(index(/^server END the client ended the stream after 2 messages/)).toBeLessThan(
      index(/^client CLOSED/),
    );
    const target = /server LISTEN (\S+)/.exec(lines.join("\n"))?.[1];
    expect(target, "the server said where it listened").toBeDefined();
    expect(await leftovers({ target: target!, maxMessageSize: 0, deadlineMs: 0 })).toEqual([]);
    expect(liveChildren()).toEqual([]);
  });
});
