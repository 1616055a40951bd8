/**
 * A bench child process: one side of one run (or both sides, for an in-process variant or a
 * baseline; or, for a variant whose sides share memory between threads, the process that
 * hosts the two threads of threads.ts, each running this same program on one side). The harness starts a fresh child per run so that its CPU time and peak RSS belong
 * to that run alone. It loads the variant from `variant.module` and finds it by id, the way
 * core's peer-main does, then runs the workload loops locally at full speed — only the
 * final report crosses the IPC channel. Protocol: protocol.ts.
 */

import { Server } from "node:net";
import { parentPort } from "node:worker_threads";
import {
  type AnyVariant,
  type Consumer,
  type Endpoint,
  errorToJSON,
  holdListener,
  loadVariant as load,
  type Producer,
} from "@ipc-atlas/core";
import { type BaselineSession, baselines } from "./baselines/index.ts";
import { openForSize } from "./open-medium.ts";
import { cpuFor, pinThisThread } from "./pin.ts";
import {
  type ChildReport,
  consumerAddress,
  type FromChild,
  type Job,
  NotApplicable,
  type ToChild,
  type VariantRef,
} from "./protocol.ts";
import { ThreadSides } from "./threads.ts";
import { type Plan, ping, pong, processFigures, receiveStream, sendStream } from "./workload.ts";

// On a worker thread (threads.ts) the parent is the bench child process, through the thread's port.
const reply = (message: FromChild) =>
  parentPort ? parentPort.postMessage(message) : process.send?.(message);

const loaded = new Map<string, AnyVariant>();

async function loadVariant(ref: VariantRef): Promise<AnyVariant> {
  const key = `${ref.module}#${ref.id}`;
  const variant = loaded.get(key) ?? (await load(ref.module, ref.id));
  loaded.set(key, variant);
  return variant;
}

let job: Job;
let plan: Plan;
let pin = false;
let variant: AnyVariant | undefined;
const endpoints: Endpoint<unknown>[] = [];
// Attached ends: [0] carries the measured stream (or the pings), [1] the echoes.
const consumers: Consumer[] = [];
const producers: Producer[] = [];
let session: BaselineSession | undefined;
let threads: ThreadSides | undefined;

async function openLocal(): Promise<Endpoint<unknown>> {
  const opened = await openForSize(variant!, plan.size);
  if ("notApplicable" in opened) throw new NotApplicable(opened.notApplicable);
  endpoints.push(opened.endpoint);
  return opened.endpoint;
}

async function attach(kind: "consumer" | "producer"): Promise<void> {
  const v = variant;
  switch (job.role) {
    case "sender":
      if (kind === "producer") producers.push(await v!.producer(job.address));
      return;
    case "receiver":
      if (kind === "consumer") consumers.push(await v!.consumer(job.address));
      return;
    case "pinger":
      if (kind === "consumer") consumers[1] = await v!.consumer(job.back);
      else producers[0] = await v!.producer(job.out);
      return;
    case "ponger":
      if (kind === "consumer") consumers[0] = await v!.consumer(job.out);
      else producers[1] = await v!.producer(job.back);
      return;
    case "local":
      if (kind === "consumer") {
        const media = job.mode === "one-way" ? 1 : 2;
        for (let i = 0; i < media; i++) consumers[i] = await v!.consumer((await openLocal()).address);
      } else {
        for (let i = 0; i < endpoints.length; i++) producers[i] = await v!.producer(endpoints[i]!.address);
      }
      return;
    case "threads": {
      if (!threads) {
        for (let i = 0; i < (job.mode === "one-way" ? 1 : 2); i++) await openLocal();
        threads = await ThreadSides.start(
          job.variant,
          job.mode,
          plan,
          endpoints.map((e) => e.address),
          pin,
        );
      }
      await threads.attach(kind);
      return;
    }
    case "baseline": {
      if (kind !== "consumer") return;
      const id = job.baseline;
      const baseline = baselines.find((b) => b.id === id);
      if (!baseline) throw new Error(`no baseline with id "${id}"`);
      session = await baseline.start(plan, job.mode);
      return;
    }
  }
}

async function go(): Promise<ChildReport> {
  switch (job.role) {
    case "sender": {
      const sender = await sendStream(producers[0]!, plan);
      return { sender, processes: [processFigures("producer", sender.cpu)] };
    }
    case "receiver": {
      const receiver = await receiveStream(consumers[0]!, plan);
      return { receiver, processes: [processFigures("consumer", receiver.cpu)] };
    }
    case "pinger": {
      const { sender, receiver } = await ping(producers[0]!, consumers[1]!, plan);
      return { sender, receiver, processes: [processFigures("pinger", sender.cpu)] };
    }
    case "ponger": {
      const { cpu } = await pong(consumers[0]!, producers[1]!);
      return { processes: [processFigures("ponger", cpu)] };
    }
    case "local": {
      if (job.mode === "one-way") {
        const [sender, receiver] = await Promise.all([
          sendStream(producers[0]!, plan, true),
          receiveStream(consumers[0]!, plan),
        ]);
        // One process: its CPU over the measured window covers producer and consumer.
        return { sender, receiver, processes: [processFigures("producer+consumer", sender.cpu)] };
      }
      const [{ sender, receiver }] = await Promise.all([
        ping(producers[0]!, consumers[1]!, plan),
        pong(consumers[0]!, producers[1]!),
      ]);
      return { sender, receiver, processes: [processFigures("pinger+ponger", sender.cpu)] };
    }
    case "threads":
      return await threads!.run();
    case "baseline":
      return await session!.run();
  }
}

/** Ends the run's media and peers; the process can take the next job (the next size). */
async function cleanUp(): Promise<void> {
  await session?.close().catch(() => {});
  session = undefined;
  await threads?.dispose();
  threads = undefined;
  for (const endpoint of endpoints.splice(0)) await endpoint.close().catch(() => {});
  consumers.length = 0;
  producers.length = 0;
}

async function handle(message: ToChild, listener: unknown): Promise<void> {
  if ("job" in message) {
    job = message.job;
    plan = message.plan;
    pin = message.pin ?? false;
    // One side on a worker thread (threads.ts): the process hosts both, so the thread binds itself.
    const cpu = cpuFor(job.role);
    if (pin && parentPort && cpu !== null) await pinThisThread(cpu);
    if (job.role !== "baseline") variant = await loadVariant(job.variant);
    reply({ loaded: true });
  } else if ("attach" in message) {
    // The listening socket the harness's endpoint opened, for this consumer to take over.
    const address = consumerAddress(job);
    if (listener instanceof Server && typeof address === "object" && address !== null)
      holdListener(address, listener);
    await attach(message.attach);
    reply({ attached: message.attach });
  } else if ("go" in message) {
    const report = await go();
    await cleanUp();
    reply({ done: report });
  }
}

// Messages are handled strictly in order, one at a time.
let queue: Promise<void> = Promise.resolve();
const onMessage = (message: ToChild, listener?: unknown) => {
  queue = queue.then(() =>
    handle(message, listener).catch(async (error: unknown) => {
      await cleanUp();
      if (error instanceof NotApplicable) reply({ notApplicable: error.message });
      else reply({ failed: errorToJSON(error) });
    }),
  );
};

if (parentPort) parentPort.on("message", onMessage);
else {
  process.on("message", onMessage);
  // The harness went away or is done with this run: nothing more will be asked.
  process.on("disconnect", () => {
    void cleanUp().finally(() => process.exit(0));
  });
}
