/**
 * The loops' two ways of not awaiting what is already settled, one per side. Awaiting a settled
 * promise lets other microtasks run and nothing else (never I/O), at about 80 ns a time here:
 * the null row's whole budget is 200 ns a message for both sides. A promise settles once, so one
 * that was awaited before and comes back again is known settled. Variants that answer with a
 * fresh promise each time are awaited exactly as `await send()` and `for await` would.
 */

import type { Consumer, Producer } from "@ipc-atlas/core";

const ignore = () => {};

/**
 * Sends with at most `window` pending, in a ring of `window` slots: send `seq` takes the slot
 * of send `seq - window`, which must be done first. Only `window` promises stay alive, so the
 * loop's own garbage dies young. `send` returns what to await before the next send, if anything.
 *
 * Many sends return one shared, already settled promise when the medium took the message at
 * once (the POSIX queue's fast path, the null row): such a promise gets its rejection handler
 * once, and once awaited it is known settled and not awaited again. Awaiting a settled promise
 * only lets other microtasks run, never I/O, so skipping it changes nothing but the harness's
 * own cost per message.
 */
export function windowed(producer: Producer, window: number) {
  const inFlight: (Promise<void> | undefined)[] = new Array(Math.max(1, window)).fill(undefined);
  let handled: Promise<void> | undefined;
  let settled: Promise<void> | undefined;
  let shared: Promise<void> | undefined;
  // `shared` was awaited once, so it is settled: its sends take no slot's wait.
  let sharedSettled = false;
  // The ring's own turn (sequence numbers jump after a warm-up that ended early).
  let slot = 0;
  return {
    send(message: Uint8Array): Promise<void> | undefined {
      const sent = producer.send(message);
      if (window <= 1) return sent === settled ? undefined : sent;
      if (sent === handled) {
        if (sent !== shared) {
          shared = sent;
          sharedSettled = false;
        }
      } else {
        sent.catch(ignore); // awaited later; this only keeps a rejection from being "unhandled" meanwhile
        handled = sent;
      }
      // A variant that says "taken at once" with one shared settled promise says "no room yet"
      // with any other: wait for that one now, as `await send()` would, instead of queueing
      // more sends behind it (a POSIX queue would then put every later send on its slow path).
      if (shared !== undefined && sent !== shared) return sent;
      const oldest = inFlight[slot];
      inFlight[slot] = sharedSettled ? undefined : sent;
      slot = slot + 1 === window ? 0 : slot + 1;
      return oldest === undefined || oldest === settled ? undefined : oldest;
    },
    /** Call after awaiting what send() returned: that promise is settled now. */
    settled(promise: Promise<void>): void {
      if (promise === shared) sharedSettled = true;
      settled = promise;
    },
    async drain(): Promise<void> {
      for (const sent of inFlight) if (sent) await sent;
    },
  };
}

/**
 * `for await (const message of consumer) onMessage(message)`, without the await where the
 * iterator says its answer is already there. An iterator that has a message at hand may return
 * the same settled promise it returned before, its result object refilled (the `null` row does):
 * a promise awaited once is known settled, and a promise settles only once, so its result is the
 * object read then, and `value` is what the iterator has put in it now. Reading it without
 * awaiting changes nothing but the turn of the microtask queue, about 80 ns a message here,
 * which would be charged to every message as the harness's own cost. Any other promise is
 * awaited as `for await` would; as there, a throw from `onMessage` ends the iterator with return().
 */
export async function eachMessage(
  consumer: Consumer,
  onMessage: (message: Uint8Array) => void,
): Promise<void> {
  const iterator = consumer[Symbol.asyncIterator]();
  let settled: Promise<IteratorResult<Uint8Array>> | undefined;
  let settledResult: IteratorResult<Uint8Array> | undefined;
  for (;;) {
    const next = iterator.next();
    let result: IteratorResult<Uint8Array>;
    if (next === settled) result = settledResult!;
    else {
      result = await next;
      settled = next;
      settledResult = result;
    }
    if (result.done) return;
    try {
      onMessage(result.value);
    } catch (error) {
      await iterator.return?.();
      throw error;
    }
  }
}
