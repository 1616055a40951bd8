/**
 * The JetStream producer's own bound on a bounded stream (max_bytes, max_msgs with
 * discard-new): the producer publishes only what fits for sure, so that the server never has to
 * refuse one publish of a window while taking the next.
 */

import type { JetStreamManager, PubAck } from "@nats-io/jetstream";

/** Stored size of a message beyond its payload, subject and id: headers and the store's framing, rounded up. */
export const STORE_OVERHEAD = 64;

/**
 * The producer's own bound on the stream: how many messages and bytes it holds at most, from
 * its last known state plus what was stored since (by the PubAck sequences; other producers'
 * messages counted at the largest size seen) plus what is in flight. It only errs high: a
 * consumer's acks become visible at the next look at the stream's state.
 */
export class StreamRoom {
  readonly #jsm: JetStreamManager;
  readonly #stream: string;
  readonly #maxBytes: number;
  readonly #maxMessages: number;
  #base = { bytes: 0, messages: 0, lastSeq: 0 };
  /** This producer's messages stored after the base: stream sequence, bytes, flat. */
  #since: number[] = [];
  #sinceCount = 0;
  #sinceBytes = 0;
  #highestSeq = 0;
  #largest = STORE_OVERHEAD;
  #inflightBytes = 0;
  #inflight = 0;
  #looking: Promise<void> | undefined;
  #lookedAt = 0;

  constructor(jsm: JetStreamManager, stream: string, limits: { maxBytes: number; maxMessages: number }) {
    this.#jsm = jsm;
    this.#stream = stream;
    this.#maxBytes = limits.maxBytes > 0 ? limits.maxBytes : Number.POSITIVE_INFINITY;
    this.#maxMessages = limits.maxMessages > 0 ? limits.maxMessages : Number.POSITIVE_INFINITY;
  }

  get bounded(): boolean {
    return Number.isFinite(this.#maxBytes) || Number.isFinite(this.#maxMessages);
  }

  /**
   * Whether a message of `bytes` fits for sure ("no" when not), and whether the room left after
   * it is short ("short": less than a window's worth more, or under a quarter of the limit).
   */
  check(bytes: number, window: number): "no" | "short" | "yes" {
    if (!this.bounded) return "yes";
    const others = Math.max(0, this.#highestSeq - this.#base.lastSeq - this.#sinceCount);
    const usedBytes = this.#base.bytes + this.#sinceBytes + others * this.#largest + this.#inflightBytes;
    const usedMessages = this.#base.messages + this.#sinceCount + others + this.#inflight;
    if (usedBytes + bytes > this.#maxBytes || usedMessages + 1 > this.#maxMessages) return "no";
    const short =
      usedBytes + this.#largest * window > this.#maxBytes * 0.75 ||
      usedMessages + window > this.#maxMessages * 0.75;
    return short ? "short" : "yes";
  }

  /** A message of `bytes` was published: it counts as stored until its PubAck or failure. */
  written(bytes: number): void {
    this.#largest = Math.max(this.#largest, bytes);
    this.#inflightBytes += bytes;
    this.#inflight++;
  }

  /** The publish of a message of `bytes` settled: stored (with its PubAck) or not. */
  settled(bytes: number, ack?: PubAck): void {
    this.#inflightBytes -= bytes;
    this.#inflight--;
    if (!ack || !this.bounded) return;
    this.#highestSeq = Math.max(this.#highestSeq, ack.seq);
    if (!ack.duplicate && ack.seq > this.#base.lastSeq) {
      this.#since.push(ack.seq, bytes);
      this.#sinceCount++;
      this.#sinceBytes += bytes;
    }
  }

  /**
   * Looks at the stream's state (one request at a time, at most every `minGapMs`): what the
   * consumers acked since is gone from it. Resolves when the look is done (or was not due).
   */
  refresh(minGapMs: number): Promise<void> {
    if (this.#looking) return this.#looking;
    const wait = this.#lookedAt + minGapMs - Date.now();
    this.#looking = (async () => {
      if (wait > 0) await new Promise((resolve) => setTimeout(resolve, wait));
      try {
        const { state } = await this.#jsm.streams.info(this.#stream);
        this.#base = { bytes: state.bytes, messages: state.messages, lastSeq: state.last_seq };
        const kept: number[] = [];
        let bytes = 0;
        for (let i = 0; i < this.#since.length; i += 2) {
          if (this.#since[i]! <= state.last_seq) continue;
          kept.push(this.#since[i]!, this.#since[i + 1]!);
          bytes += this.#since[i + 1]!;
        }
        this.#since = kept;
        this.#sinceCount = kept.length / 2;
        this.#sinceBytes = bytes;
      } catch {
        // No answer now (server restarting, leader election): keep the old bound, look again later.
      } finally {
        this.#lookedAt = Date.now();
        this.#looking = undefined;
      }
    })();
    return this.#looking;
  }
}
