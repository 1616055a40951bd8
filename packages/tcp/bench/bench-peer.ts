// A child process of bench/adapter-cost.ts: the consumer or the producer side of every trial,
// driven by the parent over the IPC channel. Every message is 64 bytes with its sequence number
// (and, for latency, a send timestamp from the host's monotonic clock, shared by all processes).
//
// "adapter" trials use the tcp variant's Producer and Consumer. Raw trials use node:net directly
// and do what an application needs to get the same guarantees by hand: the same bytes on the
// wire (core's length-prefixed frame around a one-byte DATA/END tag, so the reader can tell a
// finished producer from a crashed one), core's FrameDecoder with the same size limit on the
// consumer, a tag check per frame, and each message handed to the application's function as it
// is decoded; the producer waits for 'drain' when write() returns false. Only the way bytes are
// written differs between the raw kinds; raw-batch writes exactly as the variant does.
import { once } from "node:events";
import { mkdirSync, writeFileSync } from "node:fs";
import { Session } from "node:inspector";
import { connect, createServer, type Socket } from "node:net";
import { join } from "node:path";
import { FrameDecoder } from "@ipc-atlas/core";
import { type TcpAddress, type TcpConsumer, tcp } from "../src/index.ts";

export type Kind = "raw-write-nagle" | "raw-write-nodelay" | "raw-cork" | "raw-batch" | "adapter";
export interface Trial {
  kind: Kind;
  /** 0 for the consumer (it listens on a free port and replies with it); that port for the producer. */
  port: number;
  total: number;
  /** Messages not timed (warm-up); throughput is measured over the rest. */
  warm: number;
  mode: "throughput" | "latency";
}
export type TrialResult = { rate: number; consumerCpu: number } | { latenciesNs: number[] };

const SIZE = 64;
const role = process.argv[2];
const reply = (m: unknown) => process.send?.(m);
const MAX_MESSAGE = 1024;
const address = (port: number): TcpAddress => ({ host: "127.0.0.1", port, maxMessageSize: MAX_MESSAGE });
// The wire format: [length: u32 BE][tag][message], tag DATA (length = 1 + message) or END (length 1).
const DATA = 0;
const END = 1;
const FRAME_OVERHEAD = 5;
const endFrame = Buffer.of(0, 0, 0, 1, END);

/** Writes one DATA frame at `at` (header, tag, message): what the raw producers send. */
function putFrame(target: Buffer, at: number, body: Uint8Array): void {
  target.writeUInt32BE(1 + body.byteLength, at);
  target[at + 4] = DATA;
  target.set(body, at + FRAME_OVERHEAD);
}

function message(seq: number, stamp: boolean): Buffer {
  const m = Buffer.alloc(SIZE);
  m.writeUInt32BE(seq, 0);
  if (stamp) m.writeBigUInt64BE(process.hrtime.bigint(), 4);
  return m;
}

/** Counts (and checks) messages; resolves the trial's result when the last one arrives. */
function tally(trial: Trial) {
  let next = 0;
  let start = 0n;
  let cpuStart = process.cpuUsage();
  const latencies: number[] = [];
  let finish!: (r: TrialResult) => void;
  const done = new Promise<TrialResult>((resolve) => {
    finish = resolve;
  });
  return {
    done,
    take(body: Buffer) {
      const seq = body.readUInt32BE(0);
      if (seq !== next) throw new Error(`message ${next} expected, got ${seq}`);
      next++;
      if (trial.mode === "latency") latencies.push(Number(process.hrtime.bigint() - body.readBigUInt64BE(4)));
      if (next === trial.warm) {
        start = process.hrtime.bigint();
        cpuStart = process.cpuUsage();
      }
      if (next === trial.total) {
        const seconds = Number(process.hrtime.bigint() - start) / 1e9;
        const cpu = process.cpuUsage(cpuStart);
        // CPU microseconds per message, over the timed part.
        const consumerCpu = (cpu.user + cpu.system) / (trial.total - trial.warm);
        finish(
          trial.mode === "latency"
            ? { latenciesNs: latencies }
            : { rate: (trial.total - trial.warm) / seconds, consumerCpu },
        );
      }
    },
  };
}

async function consume(trial: Trial): Promise<void> {
  const counter = tally(trial);
  if (trial.kind === "adapter") {
    const consumer = await tcp.consumer(address(trial.port));
    reply({ ready: (consumer as TcpConsumer).address.port });
    for await (const body of consumer) counter.take(body as Buffer);
    reply({ result: await counter.done });
    await consumer.close();
    return;
  }
  const closed: Promise<unknown>[] = [];
  const server = createServer((socket) => {
    closed.push(once(socket, "close"));
    const decoder = new FrameDecoder(MAX_MESSAGE + 1);
    let ended = false;
    const fail = (why: string) => {
      reply({ error: `raw consumer: ${why}` });
      socket.destroy();
    };
    socket.on("data", (chunk: Buffer) => {
      let frames: Buffer[];
      try {
        frames = decoder.push(chunk);
      } catch (error) {
        return fail(String(error));
      }
      for (const frame of frames) {
        if (ended) return fail("data after END");
        if (frame.byteLength >= 1 && frame[0] === DATA) counter.take(frame.subarray(1));
        else if (frame.byteLength === 1 && frame[0] === END) ended = true;
        else return fail(`bad tag ${frame[0]}`);
      }
    });
    socket.on("end", () => {
      if (!ended) fail("the producer went away without END");
    });
  });
  server.listen({ host: "127.0.0.1", port: trial.port });
  await once(server, "listening");
  reply({ ready: (server.address() as { port: number }).port });
  reply({ result: await counter.done });
  // Let the producer finish (END, then FIN): destroying a socket with unread bytes resets it.
  server.close();
  await Promise.all(closed);
}

/** The producer's CPU time from the first timed message (after the warm-up) to the end. */
const timed = {
  since: process.cpuUsage(),
  start() {
    this.since = process.cpuUsage();
  },
};

async function produce(trial: Trial): Promise<void> {
  const stamp = trial.mode === "latency";
  // Latency trials send pairs every 2 ms: the second of a pair is where Nagle would wait.
  const pace = async (i: number) => {
    if (stamp && i % 2 === 1) await new Promise((r) => setTimeout(r, 2));
  };
  if (trial.kind === "adapter") {
    const producer = await tcp.producer(address(trial.port));
    for (let i = 0; i < trial.total; i++) {
      if (i === trial.warm) timed.start();
      await producer.send(message(i, stamp));
      if (stamp) await pace(i);
    }
    await producer.close();
    return;
  }
  const socket: Socket = connect({ host: "127.0.0.1", port: trial.port });
  await once(socket, "connect"); // (rejects on a connection error)
  let broken: Error | undefined;
  socket.on("error", (error) => {
    broken = error;
  });
  socket.setNoDelay(trial.kind !== "raw-write-nagle");
  // raw-batch: frames encoded into one buffer, written every 8 KiB and at the end of the turn.
  let batch = Buffer.allocUnsafe(64 * 1024);
  let batchStart = 0;
  let batchEnd = 0;
  let flushScheduled = false;
  // Returns write()'s answer: false means wait for 'drain'.
  const flush = () => {
    flushScheduled = false;
    if (batchEnd === batchStart) return true;
    const ok = socket.write(batch.subarray(batchStart, batchEnd));
    batchStart = batchEnd;
    return ok;
  };
  let corked = false;
  const uncork = () => {
    corked = false;
    socket.uncork();
  };
  for (let i = 0; i < trial.total; i++) {
    if (i === trial.warm) timed.start();
    if (trial.kind === "raw-cork" && !corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    const body = message(i, stamp);
    if (trial.kind === "raw-batch") {
      // Frames go straight into one buffer, written every 8 KiB and at the end of the turn.
      if (batchEnd + FRAME_OVERHEAD + body.byteLength > batch.byteLength) {
        flush();
        // The written part stays the socket's until the kernel has it: start a new buffer.
        batch = Buffer.allocUnsafe(64 * 1024);
        batchStart = batchEnd = 0;
      }
      putFrame(batch, batchEnd, body);
      batchEnd += FRAME_OVERHEAD + body.byteLength;
      if (batchEnd - batchStart >= 8 * 1024) {
        if (!flush()) await once(socket, "drain");
      } else if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(flush);
      }
    } else {
      const frame = Buffer.allocUnsafe(FRAME_OVERHEAD + body.byteLength);
      putFrame(frame, 0, body);
      if (!socket.write(frame)) {
        if (corked) uncork();
        await once(socket, "drain");
      }
    }
    if (stamp) await pace(i);
  }
  flush();
  socket.write(endFrame);
  await new Promise<void>((resolve) => socket.end(resolve));
  if (broken) throw broken;
}

async function produceAndReport(trial: Trial): Promise<void> {
  timed.start();
  await produce(trial);
  const used = process.cpuUsage(timed.since);
  // CPU microseconds per message, over the timed part (as on the consumer).
  reply({ producerCpu: (used.user + used.system) / (trial.total - trial.warm) });
}

process.on("message", (trial: Trial) => {
  (role === "consumer" ? consume(trial) : produceAndReport(trial)).catch((error) => {
    reply({ error: String(error?.stack ?? error) });
  });
});
// BENCH_CPU_PROF=dir (adapter-cost.ts --cpu-prof dir): a V8 CPU profile of this process, written
// when the parent disconnects (node's own --cpu-prof cannot be passed to a forked child here).
const profileDir = process.env.BENCH_CPU_PROF;
let profiler: Session | undefined;
if (profileDir) {
  profiler = new Session();
  profiler.connect();
  profiler.post("Profiler.enable");
  profiler.post("Profiler.setSamplingInterval", { interval: 100 });
  profiler.post("Profiler.start");
}
process.on("disconnect", () => {
  if (!profiler || !profileDir) process.exit(0);
  profiler.post("Profiler.stop", (error, result) => {
    if (!error) {
      mkdirSync(profileDir, { recursive: true });
      writeFileSync(join(profileDir, `${role}-${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    }
    process.exit(0);
  });
});
reply({ started: true });
