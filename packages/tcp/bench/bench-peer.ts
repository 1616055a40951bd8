// A child process of bench/adapter-cost.ts: the consumer or the producer side of every trial,
// driven by the parent over the IPC channel. Raw trials use node:net with core's framing
// (encodeFrame / FrameDecoder) and no Producer/Consumer layer; "adapter" trials use the tcp
// variant. Every message is 64 bytes with its sequence number (and, for latency, a send
// timestamp from the host's monotonic clock, which is shared by all processes).
import { once } from "node:events";
import { connect, createServer, type Socket } from "node:net";
import { encodeFrame, FrameDecoder } from "@ipc-atlas/core";
import { type TcpAddress, tcp } from "../src/index.ts";

export type Kind = "raw-write-nagle" | "raw-write-nodelay" | "raw-cork" | "raw-batch" | "adapter";
export interface Trial {
  kind: Kind;
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
const address = (port: number): TcpAddress => ({ host: "127.0.0.1", port, maxMessageSize: 1024 });

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
    reply({ ready: true });
    for await (const body of consumer) counter.take(body as Buffer);
    reply({ result: await counter.done });
    await consumer.close();
    return;
  }
  const sockets = new Set<Socket>();
  const server = createServer((socket) => {
    sockets.add(socket);
    const decoder = new FrameDecoder(1024);
    socket.on("data", (chunk: Buffer) => {
      for (const body of decoder.push(chunk)) counter.take(body);
    });
  });
  server.listen({ host: "127.0.0.1", port: trial.port });
  await once(server, "listening");
  reply({ ready: true });
  reply({ result: await counter.done });
  server.close();
  for (const socket of sockets) socket.destroy();
}

async function produce(trial: Trial): Promise<void> {
  const stamp = trial.mode === "latency";
  // Latency trials send pairs every 2 ms: the second of a pair is where Nagle would wait.
  const pace = async (i: number) => {
    if (stamp && i % 2 === 1) await new Promise((r) => setTimeout(r, 2));
  };
  if (trial.kind === "adapter") {
    const producer = await tcp.producer(address(trial.port));
    for (let i = 0; i < trial.total; i++) {
      await producer.send(message(i, stamp));
      await pace(i);
    }
    await producer.close();
    return;
  }
  const socket: Socket = connect({ host: "127.0.0.1", port: trial.port });
  await once(socket, "connect");
  socket.setNoDelay(trial.kind !== "raw-write-nagle");
  // raw-batch: frames encoded into one buffer, written every 8 KiB and at the end of the turn.
  let batch = Buffer.allocUnsafe(64 * 1024);
  let batchStart = 0;
  let batchEnd = 0;
  let flushScheduled = false;
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
    if (trial.kind === "raw-cork" && !corked) {
      corked = true;
      socket.cork();
      process.nextTick(uncork);
    }
    if (trial.kind === "raw-batch") {
      const body = message(i, stamp);
      if (batchEnd + 4 + SIZE > batch.byteLength) {
        flush();
        batch = Buffer.allocUnsafe(64 * 1024);
        batchStart = batchEnd = 0;
      }
      batch.writeUInt32BE(SIZE, batchEnd);
      batch.set(body, batchEnd + 4);
      batchEnd += 4 + SIZE;
      if (batchEnd - batchStart >= 8 * 1024) {
        if (!flush()) await once(socket, "drain");
      } else if (!flushScheduled) {
        flushScheduled = true;
        process.nextTick(flush);
      }
    } else if (!socket.write(encodeFrame(message(i, stamp)))) {
      if (corked) uncork();
      await once(socket, "drain");
    }
    await pace(i);
  }
  flush();
  await new Promise<void>((resolve) => socket.end(resolve));
}

async function produceAndReport(trial: Trial): Promise<void> {
  const cpu = process.cpuUsage();
  await produce(trial);
  const used = process.cpuUsage(cpu);
  // CPU microseconds per message, the whole trial.
  reply({ producerCpu: (used.user + used.system) / trial.total });
}

process.on("message", (trial: Trial) => {
  (role === "consumer" ? consume(trial) : produceAndReport(trial)).catch((error) => {
    reply({ error: String(error?.stack ?? error) });
  });
});
process.on("disconnect", () => process.exit(0));
reply({ started: true });
