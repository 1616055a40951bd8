/**
 * The child side of a peer process (see peer.ts): loads one variant, attaches a producer or
 * consumer to the address it is given, and runs the parent's commands in the order they
 * arrive, as the same calls made in one process would run: a send starts without waiting for
 * earlier sends to finish (so sends the parent did not await are in flight together, in call
 * order), any other command waits for everything before it, and a consumer's close runs at
 * once, so that it can end a pending next(). It exits when the parent disconnects or dies.
 * On a worker thread (a peer started with `{ in: "thread" }`) the same commands come through
 * the parent port, and the parent ends the thread by terminating it.
 */

import type { Server } from "node:net";
import { isMainThread, parentPort } from "node:worker_threads";
import { errorToJSON } from "./errors.ts";
import { retainedBytes } from "./memory.ts";
import type { PeerCommand, PeerInit, PeerReply } from "./peer.ts";
import { holdListener } from "./ports.ts";
import { loadVariant } from "./registry.ts";
import type { Consumer, Producer } from "./variant.ts";

const port = isMainThread ? null : parentPort;
const send = port
  ? (message: unknown) => port.postMessage(message)
  : (message: unknown) => process.send?.(message);
type Listener = (message: { init?: PeerInit } | PeerCommand, handle?: unknown) => void;
const onMessage = (listener: Listener) => {
  if (port) port.on("message", listener);
  else process.on("message", listener);
};

let producer: Producer | undefined;
let iterator: AsyncIterator<Uint8Array> | undefined;
let consumer: Consumer | undefined;
// Commands start in arrival order; `inFlight` holds the sends started and not yet settled.
let queue: Promise<void> = Promise.resolve();
const inFlight = new Set<Promise<unknown>>();

/** Sends the command's outcome to the parent, then calls `settled` (if given). */
function reply(id: number, work: Promise<PeerReply>, settled?: () => void): Promise<void> {
  return work.then(
    (value) => {
      settled?.();
      send(value);
    },
    (error: unknown) => {
      settled?.();
      send({ id, ok: false, error: errorToJSON(error) } satisfies PeerReply);
    },
  );
}

async function run(command: PeerCommand): Promise<PeerReply> {
  switch (command.op) {
    case "send":
      await producer!.send(command.data);
      return { id: command.id, ok: true };
    case "close":
      if (producer) await producer.close();
      if (consumer) await consumer.close();
      return { id: command.id, ok: true };
    case "next": {
      const result = await iterator!.next();
      return { id: command.id, ok: true, value: result.done ? null : result.value };
    }
    case "rss":
    case "retained":
    case "pid":
      throw new Error("diagnostics are answered outside the command queue");
  }
}

onMessage((message, handle) => {
  if ("init" in message && message.init) {
    const init = message.init;
    // The endpoint's listening socket, handed over for this consumer to take (see ports.ts).
    if (handle && typeof init.address === "object" && init.address !== null)
      holdListener(init.address, handle as Server);
    queue = (async () => {
      try {
        const variant = await loadVariant(init.module, init.variantId);
        if (init.role === "producer") producer = await variant.producer(init.address);
        else {
          consumer = await variant.consumer(init.address);
          iterator = consumer[Symbol.asyncIterator]();
        }
        send({ ready: true });
      } catch (error) {
        send({ failed: errorToJSON(error) });
      }
    })();
    return;
  }
  const command = message as PeerCommand;
  if (command.op === "rss" || command.op === "retained" || command.op === "pid") {
    // Diagnostics answer at once, even while a send waits on a full medium.
    const measure =
      command.op === "retained"
        ? retainedBytes()
        : Promise.resolve(command.op === "rss" ? process.memoryUsage().rss : process.pid);
    void measure.then((value) => send({ id: command.id, ok: true, value } satisfies PeerReply));
    return;
  }
  if (command.op === "close" && consumer) {
    // Not behind a pending next(): closing is how a consumer stops waiting for one.
    void reply(command.id, run(command));
    return;
  }
  if (command.op === "send") {
    // Started in call order, not awaited: the next command may start while this one waits.
    queue = queue.then(() => {
      const sending = run(command);
      inFlight.add(sending);
      void reply(command.id, sending, () => inFlight.delete(sending));
    });
    return;
  }
  queue = queue.then(async () => {
    await Promise.allSettled(inFlight);
    await reply(command.id, run(command));
  });
});

// The parent went away (finished or crashed): nothing more will be asked of this process.
// Exiting releases what the peer held (descriptors, sockets); the parent owns the medium.
process.on("disconnect", () => process.exit(0));
