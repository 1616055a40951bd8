/**
 * The narrated demo of `shared-memory-posix`: two processes, one shared-memory object.
 *
 * 1. This process creates a ring in a POSIX shared-memory object (O_EXCL, mode 0600: it shows
 *    up in /dev/shm) and two doorbell FIFOs, then maps nothing itself.
 * 2. A consumer process maps the ring and waits on its doorbell (the event loop polls it).
 * 3. A producer process maps it, sends three greetings and a burst of 100,000 records: records
 *    go straight into the shared memory, indices move once per batch, and the doorbell rings
 *    only when the consumer sleeps. The consumer checks order and count.
 * 4. A second ring: the producer is killed with SIGKILL mid-stream; the consumer's wait ends
 *    with a PeerGoneError within a second, and unlinking leaves nothing in /dev/shm.
 */

import { existsSync, statSync } from "node:fs";
import { type ChildHandle, type Narrator, spawnScript } from "@ipc-atlas/core";
import { createPosixRing } from "./shared-memory-posix.ts";

const consumerScript = new URL("../examples/03-posix-consumer.ts", import.meta.url);
const producerScript = new URL("../examples/04-posix-producer.ts", import.meta.url);

/** Starts an example with the ring's address in its environment (not in argv), narrating through `narrator`. */
function start(
  script: URL,
  address: object,
  narrator: Narrator,
  onEvent?: (event: string) => void,
): ChildHandle {
  return spawnScript(script, {
    env: { ...process.env, IPC_ATLAS_RING: JSON.stringify(address) },
    narrator: {
      say(actor, event, detail) {
        narrator.say(actor, event, detail);
        onEvent?.(event);
      },
      note: (text) => narrator.note(text),
    },
  });
}

function eventSeen(): { seen: Promise<void>; hit(event: string): void; of: string } {
  let hit: (event: string) => void = () => {};
  const seen = new Promise<void>((resolve) => {
    hit = (event) => {
      if (event === "READY" || event === "SENDING") resolve();
    };
  });
  return { seen, hit, of: "" };
}

export async function demoPosix(narrator: Narrator): Promise<void> {
  const { address, remove } = createPosixRing(4096);
  const file = `/dev/shm${address.name}`;
  try {
    const stat = statSync(file);
    narrator.say(
      "main",
      "CREATE",
      `${file}: mode 0${(stat.mode & 0o777).toString(8)}, ${stat.size} bytes (512 header + a 4096-byte ring)`,
    );
    narrator.note(
      "shm_open(O_CREAT|O_EXCL, 0600) + ftruncate; each side mmaps it, this process maps nothing",
    );

    const ready = eventSeen();
    const consumer = start(consumerScript, address, narrator, ready.hit);
    narrator.say("main", "START", `consumer process (pid ${consumer.pid})`);
    await Promise.race([ready.seen, consumer.exited]);
    const producer = start(producerScript, address, narrator);
    narrator.say("main", "START", `producer process (pid ${producer.pid})`);
    const codes = await Promise.all([producer.exited, consumer.exited]);
    narrator.say("main", "EXITED", `producer code ${codes[0]}, consumer code ${codes[1]}`);
    if (codes.some((code) => code !== 0))
      throw new Error(`a demo process failed (codes ${codes.join(", ")})`);
  } finally {
    remove();
  }
  narrator.say("main", "UNLINK", `${file}; still there: ${existsSync(file)}`);

  // A second ring: a producer that dies without closing.
  const second = createPosixRing(4096);
  try {
    narrator.note("a second ring: this time the producer is killed with SIGKILL while the consumer waits");
    const ready = eventSeen();
    const consumer = start(consumerScript, second.address, narrator, ready.hit);
    await Promise.race([ready.seen, consumer.exited]);
    const sending = eventSeen();
    const producer = spawnScript(producerScript, {
      env: { ...process.env, IPC_ATLAS_RING: JSON.stringify(second.address), IPC_ATLAS_DEMO_HANG: "1" },
      narrator: {
        say(actor, event, detail) {
          narrator.say(actor, event, detail);
          sending.hit(event);
        },
        note: (text) => narrator.note(text),
      },
    });
    await Promise.race([sending.seen, producer.exited]);
    await new Promise((resolve) => setTimeout(resolve, 200));
    producer.kill("SIGKILL");
    narrator.say("main", "KILL", "producer process, SIGKILL: no close(), no exit handler");
    const consumerCode = await consumer.exited;
    narrator.say("main", "EXITED", `consumer code ${consumerCode}`);
  } finally {
    second.remove();
  }
  narrator.say(
    "main",
    "UNLINK",
    `second ring; /dev/shm has it: ${existsSync(`/dev/shm${second.address.name}`)}`,
  );
}
