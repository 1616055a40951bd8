/**
 * The conformance cases every variant must pass. Each case is a plain async function so the
 * suite can be run by vitest (see index.ts) and also against deliberately broken variants in
 * core's own tests, to show that each case really fails when its contract is broken.
 */

import assert from "node:assert/strict";
import { randomBytes } from "node:crypto";
import { ClosedError, MessageTooLargeError } from "../errors.ts";
import { isInterProcess } from "../taxonomy.ts";
import type { AnyVariant, Consumer, OpenOptions } from "../variant.ts";
import { contractCases } from "./consumer-contract.ts";
import { openPair, type Pair } from "./fixture.ts";
import { background, PENDING, within } from "./waiting.ts";

export interface ConformanceOptions {
  /** Options for `variant.open` in every case. */
  open?: OpenOptions;
  /** How many messages the ordered-delivery case sends. Default 10,000. */
  messages?: number;
}

export interface ConformanceCase {
  name: string;
  /** When set, the case does not apply to this variant, for the reason given. */
  skip?: string;
  /** A longer time limit than the test runner's default, for cases that send many messages. */
  timeoutMs?: number;
  run(): Promise<void>;
}

/** Waits for every promise to settle, then throws the first rejection, if any. */
async function settleAll(promises: Promise<void>[]): Promise<void> {
  const failure = (await Promise.allSettled(promises)).find((r) => r.status === "rejected");
  if (failure) throw failure.reason;
}

/** How many sends the un-awaited case keeps in flight at once. */
const WINDOW = 64;

/** The sequence number a `sequenced` message carries, failing clearly on one too short to carry it. */
function sequenceOf(message: Uint8Array, expected: number): number {
  assert.ok(message.byteLength >= 4, `message ${expected} arrived with ${message.byteLength} bytes`);
  return Buffer.from(message).readUInt32BE(0);
}

function sequenced(seq: number, size: number): Uint8Array {
  const message = Buffer.alloc(Math.max(size, 4), seq & 0xff);
  message.writeUInt32BE(seq, 0);
  return message;
}

async function withPair(
  variant: AnyVariant,
  options: ConformanceOptions,
  body: (pair: Pair) => Promise<void>,
) {
  const pair = await openPair(variant, options.open);
  try {
    await body(pair);
  } finally {
    await pair.dispose();
  }
}

/** Reads every remaining message until the iteration ends, failing if it does not end in time. */
async function drain(consumer: Consumer, timeoutMs = 30_000): Promise<Uint8Array[]> {
  const received: Uint8Array[] = [];
  const all = (async () => {
    for await (const message of consumer) received.push(message);
  })();
  const outcome = await within(all, timeoutMs);
  assert.notEqual(outcome, PENDING, `the consumer's iteration did not end within ${timeoutMs} ms of close()`);
  return received;
}

export function conformanceCases(variant: AnyVariant, options: ConformanceOptions = {}): ConformanceCase[] {
  const count = options.messages ?? 10_000;
  const synchronous = variant.taxonomy.timing === "synchronous";
  const interProcess = isInterProcess(variant.taxonomy.scope);

  const cases: ConformanceCase[] = [
    {
      name: interProcess
        ? `delivers ${count} messages in order between two separate processes`
        : `delivers ${count} messages in order`,
      // One round trip per message between processes: on a loaded 2-core machine a minute is short.
      timeoutMs: 180_000,
      run: () =>
        withPair(variant, options, async ({ producer, consumer, pids }) => {
          if (interProcess) {
            // As each end reports it from inside its own process.
            assert.notEqual(pids.producer, pids.consumer, "producer and consumer must be separate processes");
            assert.notEqual(pids.producer, process.pid, "the producer must not run in the test's process");
            assert.notEqual(pids.consumer, process.pid, "the consumer must not run in the test's process");
          }
          const sending = background(async () => {
            for (let seq = 0; seq < count; seq++) await producer.send(sequenced(seq, 16));
            await producer.close();
          });
          let expected = 0;
          for await (const message of consumer) {
            const seq = sequenceOf(message, expected);
            assert.equal(seq, expected, `message ${expected} expected, got ${seq}`);
            expected++;
          }
          await sending;
          assert.equal(expected, count, `${count} messages sent, ${expected} received`);
        }),
    },
    {
      name: "carries exact binary payloads: all 256 byte values, an empty message, the largest message",
      run: () =>
        withPair(variant, options, async ({ endpoint, producer, consumer }) => {
          const largest = endpoint.maxMessageSize ?? 1024 * 1024;
          const payloads = [
            Uint8Array.from({ length: 256 }, (_, i) => i),
            new Uint8Array(0),
            new Uint8Array(randomBytes(largest)),
            Uint8Array.from({ length: 256 }, (_, i) => 255 - i),
          ];
          const sending = background(async () => {
            for (const payload of payloads) await producer.send(payload);
            await producer.close();
          });
          const received = await drain(consumer);
          await sending;
          assert.equal(received.length, payloads.length, "every payload arrives, the empty one included");
          payloads.forEach((payload, i) => {
            assert.ok(
              Buffer.from(received[i]!).equals(Buffer.from(payload)),
              `payload ${i} (${payload.byteLength} bytes) arrived changed (${received[i]!.byteLength} bytes)`,
            );
          });
        }),
    },
    {
      name: "rejects an oversized message with MessageTooLargeError and stays usable",
      run: () =>
        withPair(variant, options, async ({ endpoint, producer, consumer }) => {
          const limit = endpoint.maxMessageSize;
          if (limit === null) {
            // No limit but memory (an in-process medium passing references): a message larger
            // than any other variant allows must pass whole, and the producer stays usable.
            const huge = new Uint8Array(17 * 1024 * 1024).fill(7);
            const sending = background(async () => {
              await producer.send(huge);
              await producer.send(Buffer.from("still usable"));
              await producer.close();
            });
            const received = await drain(consumer);
            await sending;
            assert.equal(received.length, 2, "the unlimited message and the one after it arrive");
            assert.equal(received[0]!.byteLength, huge.byteLength, "the unlimited message arrives whole");
            assert.equal(Buffer.from(received[1]!).toString(), "still usable");
            return;
          }
          const oversized = producer.send(new Uint8Array(limit + 1));
          await assert.rejects(oversized, (error: unknown) => {
            assert.ok(
              error instanceof MessageTooLargeError,
              `expected MessageTooLargeError, got ${String(error)}`,
            );
            return true;
          });
          const sending = background(async () => {
            await producer.send(Buffer.from("still usable"));
            await producer.close();
          });
          const received = await drain(consumer);
          await sending;
          assert.deepEqual(
            received.map((m) => Buffer.from(m).toString()),
            ["still usable"],
            "only the message after the rejected one arrives",
          );
        }),
    },
    {
      name: "close() ends the iteration after the last message, with nothing lost",
      run: () =>
        withPair(variant, options, async ({ producer, consumer }) => {
          const n = 200;
          const sending = background(async () => {
            for (let seq = 0; seq < n; seq++) await producer.send(sequenced(seq, 64));
            await producer.close();
          });
          // A slow consumer: close() arrives while messages still wait in the medium.
          const received: number[] = [];
          for await (const message of consumer) {
            received.push(Buffer.from(message).readUInt32BE(0));
            if (received.length % 20 === 0) await new Promise((r) => setTimeout(r, 5));
          }
          await sending;
          assert.deepEqual(
            received,
            Array.from({ length: n }, (_, i) => i),
          );
        }),
    },
    {
      name: interProcess
        ? `sends made without awaiting (${WINDOW} in flight) arrive in call order between two processes`
        : `sends made without awaiting (${WINDOW} in flight) arrive in call order`,
      run: () =>
        withPair(variant, options, async ({ producer, consumer }) => {
          const n = Math.min(count, 1000);
          const sending = background(async () => {
            let window: Promise<void>[] = [];
            for (let seq = 0; seq < n; seq++) {
              window.push(producer.send(sequenced(seq, 16)));
              if (window.length === WINDOW) {
                await settleAll(window);
                window = [];
              }
            }
            await settleAll(window);
            await producer.close();
          });
          let expected = 0;
          for await (const message of consumer) {
            const seq = sequenceOf(message, expected);
            assert.equal(
              seq,
              expected,
              `message ${expected} expected, got ${seq} (sends in flight together)`,
            );
            expected++;
          }
          await sending;
          assert.equal(expected, n, `${n} messages sent, ${expected} received`);
        }),
    },
    {
      name: "Consumer.close() while a next() is pending ends that iteration",
      run: () =>
        withPair(variant, options, async ({ consumer }) => {
          const iterator = consumer[Symbol.asyncIterator]();
          const pending = iterator.next();
          pending.catch(() => {});
          assert.equal(await within(pending, 200), PENDING, "next() settled though nothing was sent");
          assert.notEqual(await within(consumer.close(), 10_000), PENDING, "close() did not resolve in 10 s");
          const outcome = await within(pending, 10_000);
          assert.notEqual(outcome, PENDING, "the pending next() did not settle within 10 s of close()");
          assert.equal(
            (outcome as IteratorResult<Uint8Array>).done,
            true,
            "the pending next() must end as done",
          );
        }),
    },
    {
      name: "send() after close() is a ClosedError",
      run: () =>
        withPair(variant, options, async ({ producer, consumer }) => {
          const closing = producer.close();
          const received = await drain(consumer);
          await closing;
          assert.equal(received.length, 0);
          await assert.rejects(producer.send(Buffer.from("too late")), (error: unknown) => {
            assert.ok(error instanceof ClosedError, `expected ClosedError, got ${String(error)}`);
            return true;
          });
        }),
    },
    {
      name: "a consumer that does not read keeps the producer's memory bounded, and nothing is lost",
      run: () =>
        withPair(variant, options, async ({ endpoint, producer, consumer, producerRetained }) => {
          const size = Math.min(endpoint.maxMessageSize ?? 64 * 1024, 64 * 1024);
          const offered = 64 * 1024 * 1024;
          // Retained after a full GC: messages that passed through do not count, queued ones do.
          const bound = 16 * 1024 * 1024;
          const before = await producerRetained();
          let sent = 0;
          let stalled: Promise<void> | undefined;
          // Send fresh buffers until the medium pushes back (a send stays pending) or 64 MiB went out.
          // A send still pending after 250 ms may only be slow (a loaded machine): it counts as
          // pushed back when it is still pending a second later, else sending goes on.
          while (sent * size < offered) {
            const sending = producer.send(sequenced(sent, size));
            sent++;
            if ((await within(sending, 250)) === PENDING && (await within(sending, 1000)) === PENDING) {
              stalled = sending;
              break;
            }
          }
          const growth = (await producerRetained()) - before;
          assert.ok(
            growth < bound,
            `producer grew by ${(growth / 2 ** 20).toFixed(1)} MiB after ${sent} messages of ${size} bytes; ` +
              `it must wait for the consumer instead of buffering (limit ${bound / 2 ** 20} MiB)`,
          );
          const finishing = background(async () => {
            await stalled;
            await producer.close();
          });
          let expected = 0;
          for await (const message of consumer) {
            assert.equal(Buffer.from(message).readUInt32BE(0), expected, "messages arrive in order");
            expected++;
          }
          await finishing;
          assert.equal(expected, sent, `${sent} messages sent, ${expected} received`);
        }),
    },
  ];

  if (synchronous) {
    cases.push({
      name: "synchronous: send() does not resolve before the consumer takes the message",
      run: () =>
        withPair(variant, options, async ({ producer, consumer }) => {
          const sending = producer.send(Buffer.from("rendezvous"));
          assert.equal(
            await within(sending, 300),
            PENDING,
            "send resolved while nobody had taken the message",
          );
          const iterator = consumer[Symbol.asyncIterator]();
          const first = await iterator.next();
          assert.equal(Buffer.from(first.value as Uint8Array).toString(), "rendezvous");
          assert.notEqual(
            await within(sending, 10_000),
            PENDING,
            "send did not resolve after the message was taken",
          );
          const closing = producer.close();
          assert.equal((await iterator.next()).done, true);
          await closing;
        }),
    });
  } else {
    cases.push({
      name: "asynchronous: send() resolves while the consumer has not taken the message",
      run: () =>
        withPair(variant, options, async ({ producer, consumer }) => {
          const sending = producer.send(Buffer.from("waits in the medium"));
          assert.notEqual(
            await within(sending, 10_000),
            PENDING,
            "send did not resolve though the medium had room and the consumer was ready",
          );
          const closing = producer.close();
          const received = await drain(consumer);
          await closing;
          assert.deepEqual(
            received.map((m) => Buffer.from(m).toString()),
            ["waits in the medium"],
          );
        }),
    });
  }
  cases.push(...contractCases(variant, options.open));
  return cases;
}
