/**
 * The subscriber process of bench/adapter-cost.ts. For each round the parent sends
 * `{ mode, address, count }`; this process subscribes (through the variant, or with plain
 * nats.js), answers `{ ready }`, counts `count` messages and answers with the time from the
 * first message to the last.
 */

import { connect } from "@nats-io/transport-node";
import type { NatsAddress } from "../src/connection.ts";
import { natsConsumer } from "../src/subscriber.ts";

interface Round {
  mode: "variant" | "plain";
  address: NatsAddress;
  count: number;
}

const reply = (m: unknown) => process.send?.(m);

// Times are process.hrtime (CLOCK_MONOTONIC, one clock for every process on this host), so the
// parent can measure from its first publish to the last message received here.
interface Result {
  received: number;
  /** First message to last, at this subscriber. */
  seconds: number;
  /** hrtime of the last message, in ns. */
  last: string;
  /** Payload bytes seen (so the payload is really read). */
  bytes: number;
}

async function viaVariant(round: Round): Promise<Result> {
  const consumer = await natsConsumer(round.address);
  reply({ ready: true });
  let received = 0;
  let first = 0n;
  let bytes = 0;
  for await (const m of consumer) {
    bytes += m.byteLength;
    if (received++ === 0) first = process.hrtime.bigint();
  }
  const last = process.hrtime.bigint();
  return { received, seconds: Number(last - first) / 1e9, last: String(last), bytes };
}

async function viaPlain(round: Round): Promise<Result> {
  const nc = await connect({ servers: round.address.servers });
  let received = 0;
  let bytes = 0;
  let first = 0n;
  let last = 0n;
  const done = new Promise<void>((resolve) => {
    nc.subscribe(round.address.subject, {
      // Touch the payload as a real subscriber would (the variant hands it out too).
      callback: (_error, m) => {
        bytes += m.data.byteLength;
        if (received++ === 0) first = process.hrtime.bigint();
        if (received === round.count) {
          last = process.hrtime.bigint();
          resolve();
        }
      },
    });
  });
  await nc.flush();
  reply({ ready: true });
  await done;
  await nc.close();
  return { received, seconds: Number(last - first) / 1e9, last: String(last), bytes };
}

process.on("message", (round: Round) => {
  void (round.mode === "variant" ? viaVariant(round) : viaPlain(round)).then((result) => reply({ result }));
});
process.on("disconnect", () => process.exit(0));
