/**
 * The subscriber process of bench/adapter-cost.ts. For each round the parent sends
 * `{ mode, address, count }`; this process subscribes (through the variant, or with plain
 * nats.js), answers `{ ready }`, counts `count` messages and answers with the time from the
 * first message to the last.
 */

import { connect } from "@nats-io/transport-node";
import { type NatsAddress, natsConsumer } from "../src/pub-sub.ts";

interface Round {
  mode: "variant" | "plain";
  address: NatsAddress;
  count: number;
}

const reply = (m: unknown) => process.send?.(m);

async function viaVariant(round: Round): Promise<{ received: number; seconds: number }> {
  const consumer = await natsConsumer(round.address);
  reply({ ready: true });
  let received = 0;
  let first = 0n;
  for await (const _ of consumer) {
    if (received++ === 0) first = process.hrtime.bigint();
  }
  return { received, seconds: Number(process.hrtime.bigint() - first) / 1e9 };
}

async function viaPlain(round: Round): Promise<{ received: number; seconds: number }> {
  const nc = await connect({ servers: round.address.servers });
  let received = 0;
  let first = 0n;
  let last = 0n;
  const done = new Promise<void>((resolve) => {
    nc.subscribe(round.address.subject, {
      callback: () => {
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
  return { received, seconds: Number(last - first) / 1e9 };
}

process.on("message", (round: Round) => {
  void (round.mode === "variant" ? viaVariant(round) : viaPlain(round)).then((result) => reply({ result }));
});
process.on("disconnect", () => process.exit(0));
