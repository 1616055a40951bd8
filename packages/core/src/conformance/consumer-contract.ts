/**
 * The Consumer contract's cases (the rules are written on `Consumer` in variant.ts). The consumer
 * under test is attached in this process, so that the rules are checked on the variant's own
 * consumer object, not on a proxy; the producer runs where the variant's producers run (another
 * process for inter-process variants, a worker thread for "threads" placement).
 */

import assert from "node:assert/strict";
import { setTimeout as sleep } from "node:timers/promises";
import { IpcError } from "../errors.ts";
import { spawnProducer } from "../peer.ts";
import { isInterProcess } from "../taxonomy.ts";
import type { AnyVariant, Consumer, Endpoint, OpenOptions, Producer } from "../variant.ts";
import type { ConformanceCase } from "./cases.ts";
import { background, PENDING, within } from "./waiting.ts";

interface LocalConsumer {
  endpoint: Endpoint<unknown>;
  consumer: Consumer;
  producer: Producer;
  /** Kills the producer's process (SIGKILL) and resolves once it is gone. */
  killProducer?: () => Promise<void>;
}

async function withLocalConsumer(
  variant: AnyVariant,
  open: OpenOptions | undefined,
  body: (pair: LocalConsumer) => Promise<void>,
): Promise<void> {
  const endpoint = await variant.open(open);
  const cleanups: Array<() => Promise<unknown>> = [() => endpoint.close()];
  try {
    const consumer: Consumer = await variant.consumer(endpoint.address);
    cleanups.push(() => consumer.close());
    let pair: LocalConsumer;
    if (isInterProcess(variant.taxonomy.scope) || variant.placement === "threads") {
      const remote = await spawnProducer(
        variant,
        endpoint.address,
        variant.placement === "threads" ? { in: "thread" } : {},
      );
      cleanups.push(() => remote.dispose());
      pair = {
        endpoint,
        consumer,
        producer: remote,
        killProducer: async () => {
          remote.kill("SIGKILL");
          // Gone once signal 0 finds no such process.
          for (let alive = true; alive; await sleep(10)) {
            try {
              process.kill(remote.pid, 0);
            } catch {
              alive = false;
            }
          }
        },
      };
    } else {
      const producer = await variant.producer(endpoint.address);
      pair = { endpoint, consumer, producer };
    }
    await body(pair);
  } finally {
    for (const cleanup of cleanups.reverse()) await cleanup().catch(() => {});
  }
}

const text = (result: IteratorResult<Uint8Array>) =>
  result.done ? "(done)" : Buffer.from(result.value).toString();

export function contractCases(variant: AnyVariant, open?: OpenOptions): ConformanceCase[] {
  const cases: ConformanceCase[] = [
    {
      name: "consumer contract: iterators and pending next() calls share one stream, served in call order",
      run: () =>
        withLocalConsumer(variant, open, async ({ consumer, producer }) => {
          const first = consumer[Symbol.asyncIterator]();
          const second = consumer[Symbol.asyncIterator]();
          // Six takers parked before anything is sent, alternating between the two iterators.
          const takers = [first, second, first, second, first, second].map((it) => {
            const next = it.next();
            next.catch(() => {});
            return next;
          });
          const sending = background(async () => {
            for (let i = 0; i < takers.length; i++) await producer.send(Buffer.from(`m${i}`));
          });
          const results: string[] = [];
          for (const taker of takers) {
            const result = await within(taker, 15_000);
            assert.notEqual(result, PENDING, `next() call ${results.length} got nothing within 15 s`);
            results.push(text(result as IteratorResult<Uint8Array>));
          }
          await sending;
          assert.deepEqual(
            results,
            ["m0", "m1", "m2", "m3", "m4", "m5"],
            "each message to one call, in call order",
          );
        }),
    },
    {
      name: "consumer contract: break out of for-await closes the consumer",
      run: () =>
        withLocalConsumer(variant, open, async ({ consumer, producer }) => {
          // Not awaited: a synchronous variant's second send waits for a taker that never comes.
          const sending = background(async () => {
            await producer.send(Buffer.from("first"));
            await producer.send(Buffer.from("second"));
          });
          for await (const message of consumer) {
            assert.equal(Buffer.from(message).toString(), "first");
            break;
          }
          const after = await within(consumer[Symbol.asyncIterator]().next(), 10_000);
          assert.notEqual(after, PENDING, "after break, next() neither ended nor delivered within 10 s");
          assert.equal(
            after && (after as IteratorResult<Uint8Array>).done,
            true,
            "after break, the iteration is over",
          );
          assert.notEqual(
            await within(consumer.close(), 10_000),
            PENDING,
            "close() after break did not resolve",
          );
          // Settled or not, failed or not: the consumer is gone, and the producer may see that.
          await within(
            sending.catch(() => {}),
            1000,
          );
        }),
    },
  ];
  if (isInterProcess(variant.taxonomy.scope)) {
    const expected = variant.card?.producerDeath;
    cases.push({
      name: `consumer contract: when the producer's process dies, the consumer ${
        expected === "end" ? "ends" : expected === "error" ? "fails with a typed error" : "keeps waiting"
      } (card: producerDeath ${expected ?? "not stated"})`,
      run: () =>
        withLocalConsumer(variant, open, async ({ consumer, producer, killProducer }) => {
          assert.ok(expected, `${variant.id}'s card must state producerDeath`);
          const iterator = consumer[Symbol.asyncIterator]();
          const sending = background(async () => {
            await producer.send(Buffer.from("before"));
          });
          assert.equal(text(await iterator.next()), "before");
          await sending;
          await killProducer!();
          const next = iterator.next();
          next.catch(() => {});
          if (expected === "waits") {
            assert.equal(
              await within(next, 1500),
              PENDING,
              "the consumer stopped waiting when its producer died",
            );
            await consumer.close();
            const outcome = await within(next, 10_000);
            assert.deepEqual(outcome, { done: true, value: undefined }, "close() ends the waiting next()");
            return;
          }
          const outcome = await within(
            next.then(
              (result) => ({ result }),
              (error: unknown) => ({ error }),
            ),
            15_000,
          );
          assert.notEqual(
            outcome,
            PENDING,
            "the consumer neither ended nor failed within 15 s of its producer's death",
          );
          const settled = outcome as { result?: IteratorResult<Uint8Array>; error?: unknown };
          if (expected === "end") {
            assert.equal(
              settled.error,
              undefined,
              `expected the iteration to end, got ${String(settled.error)}`,
            );
            assert.equal(settled.result?.done, true, "expected the iteration to end");
          } else {
            assert.ok(
              settled.error instanceof IpcError,
              `expected a typed error, got ${settled.error ? String(settled.error) : "a normal end"}`,
            );
          }
        }),
    });
  }
  return cases;
}
