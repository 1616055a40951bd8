// The consumer's queue (src/inbox.ts, on core's AsyncQueue): order across batches, a waiting iteration, the end, and
// backpressure that resumes once the iteration has taken the queue down to half.
import { describe, expect, it } from "vitest";
import { Inbox } from "../src/inbox.ts";

/** DATA frames as the consumer queues them: the envelope's tag byte, then the message. */
const frames = (...messages: string[]) => messages.map((m) => Buffer.concat([Buffer.of(0), Buffer.from(m)]));
const text = (r: IteratorResult<Uint8Array>) => (r.done ? "END" : Buffer.from(r.value).toString());

describe("the consumer's inbox", () => {
  it("yields the messages of every batch in order, without the tag byte, then ends", async () => {
    const inbox = new Inbox(1024, 1024, () => {});
    for (const batch of [frames("a", "b"), frames("c"), frames("d", "e", "f")]) inbox.pushFrames(batch);
    inbox.end();
    const out: string[] = [];
    for await (const m of { [Symbol.asyncIterator]: () => inbox }) out.push(Buffer.from(m).toString());
    expect(out).toEqual(["a", "b", "c", "d", "e", "f"]);
    expect(inbox.count).toBe(0);
  });

  it("hands a batch to a waiting iteration and keeps the rest; end() wakes a waiting iteration", async () => {
    const inbox = new Inbox(1024, 1024, () => {});
    const first = inbox.next();
    inbox.pushFrames(frames("x", "y"));
    expect(text(await first)).toBe("x");
    expect(inbox.count).toBe(1);
    expect(text(await inbox.next())).toBe("y");
    const last = inbox.next();
    inbox.end();
    expect(text(await last)).toBe("END");
  });

  it("is full at a limit and calls resume once the queue is down to half (also for one big frame)", async () => {
    let resumed = 0;
    const inbox = new Inbox(100, 4, () => resumed++);
    const big = [Buffer.alloc(150)]; // one frame above the byte limit: a batch of its own
    inbox.pushFrames(big);
    expect(inbox.full).toBe(true);
    inbox.wantResume();
    await inbox.next();
    expect(resumed).toBe(1);
    for (const m of ["1", "2", "3", "4"]) inbox.pushFrames(frames(m));
    expect(inbox.full).toBe(true); // 4 messages
    inbox.wantResume();
    await inbox.next();
    expect(resumed).toBe(1); // 3 left: not yet half
    await inbox.next();
    expect(resumed).toBe(2);
  });
});
