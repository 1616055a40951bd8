/**
 * The narrated demo of `shared-memory-posix`: two processes, one shared-memory object.
 *
 * 1. This process creates a ring in a POSIX shared-memory object (O_EXCL, mode 0600: it shows
 *    up in /dev/shm) and its two doorbell FIFOs, and maps nothing itself.
 * 2. A consumer process (examples/03-posix-consumer.ts) maps the ring and waits on its doorbell.
 * 3. A producer process (examples/04-posix-producer.ts) maps it, sends 100,000 records and
 *    closes; the consumer checks order and count. Unlinking leaves nothing in /dev/shm.
 * 4. A second ring: a producer (demo-doomed-producer.ts) sends three records and is killed with
 *    SIGKILL; the consumer reads the three, then its wait ends with a PeerGoneError.
 */

import { existsSync, statSync } from "node:fs";
import { type ChildHandle, type Narrator, spawnScript } from "@ipc-atlas/core";
import { RING_ENV } from "./demo-support.ts";
import { createPosixRing, type PosixRingAddress } from "./shared-memory-posix.ts";

const consumerScript = new URL("../examples/03-posix-consumer.ts", import.meta.url);
const producerScript = new URL("../examples/04-posix-producer.ts", import.meta.url);
const doomedScript = new URL("./demo-doomed-producer.ts", import.meta.url);

/** Starts `script` with the ring's address in its environment; `said` resolves when it narrates `event`. */
function start(
  script: URL,
  address: PosixRingAddress,
  narrator: Narrator,
  event: string,
): { child: ChildHandle; said: Promise<unknown> } {
  let heard: () => void = () => {};
  const said = new Promise<void>((resolve) => {
    heard = resolve;
  });
  const child = spawnScript(script, {
    env: { ...process.env, [RING_ENV]: JSON.stringify(address) },
    narrator: {
      say(actor, said, detail) {
        narrator.say(actor, said, detail);
        if (said === event) heard();
      },
      note: (text) => narrator.note(text),
    },
  });
  // A child that dies before it says `event` must not leave the demo waiting.
  return { child, said: Promise.race([said, child.exited]) };
}

export async function demoPosix(narrator: Narrator): Promise<void> {
  const { address, remove } = createPosixRing(4096);
  const file = `/dev/shm${address.name}`;
  try {
    const mode = (statSync(file).mode & 0o777).toString(8);
    narrator.say(
      "main",
      "CREATE",
      `${file}: shm_open(O_CREAT|O_EXCL), mode 0${mode}, ${statSync(file).size} bytes (512 header + a 4096-byte ring), 2 doorbell FIFOs`,
    );
    const consumer = start(consumerScript, address, narrator, "READY");
    await consumer.said;
    const producer = start(producerScript, address, narrator, "CLOSE");
    narrator.say(
      "main",
      "START",
      `producer process (pid ${producer.child.pid}); the consumer (pid ${consumer.child.pid}) waits`,
    );
    const codes = await Promise.all([producer.child.exited, consumer.child.exited]);
    if (codes.some((code) => code !== 0))
      throw new Error(`a demo process failed (codes ${codes.join(", ")})`);
  } finally {
    remove();
  }
  narrator.say("main", "UNLINK", `${file}; still there: ${existsSync(file)}`);

  const second = createPosixRing(4096);
  try {
    narrator.note("a second ring: this time the producer is killed with SIGKILL while the consumer waits");
    const consumer = start(consumerScript, second.address, narrator, "READY");
    await consumer.said;
    const producer = start(doomedScript, second.address, narrator, "SENT");
    await producer.said;
    // Let the consumer read the records and go back to sleep on its doorbell first.
    await new Promise((resolve) => setTimeout(resolve, 200));
    producer.child.kill("SIGKILL");
    narrator.say("main", "KILL", "producer process, SIGKILL: no close(), no exit handler");
    const code = await consumer.child.exited;
    if (code !== 0) throw new Error(`the consumer failed (code ${code})`);
  } finally {
    second.remove();
  }
  narrator.say(
    "main",
    "UNLINK",
    `second ring; /dev/shm has it: ${existsSync(`/dev/shm${second.address.name}`)}`,
  );
}
