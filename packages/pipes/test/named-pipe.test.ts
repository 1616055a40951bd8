import { existsSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  AbortError,
  AddressError,
  type ChildHandle,
  FrameDecoder,
  FrameError,
  IpcError,
  MissingProgramError,
  PeerGoneError,
  spawnConsumer,
  spawnProducer,
  spawnScript,
  TimeoutError,
} from "@ipc-atlas/core";
import { afterAll, afterEach, describe, expect, it } from "vitest";
import {
  BrokenPipeError,
  connectNamedPipeProducer,
  liveFifoDirectories,
  makeFifoDirectory,
  type NamedPipeAddress,
  openFifoReader,
  openFifoWriter,
  openNamedPipe,
  openNamedPipeConsumer,
  PIPE_BUF,
  pipesNamed,
  tryOpenFifoWriter,
  writeToFifo,
} from "../src/index.ts";

const fixture = (name: string) => new URL(`./fixtures/${name}`, import.meta.url);

// Everything a test opens is released here, also when it fails.
const cleanups: Array<() => unknown> = [];
const createdDirs: string[] = [];
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await Promise.resolve(cleanup()).catch(() => {});
});
afterAll(() => {
  // Nothing left behind: every FIFO directory this file created is gone.
  expect(liveFifoDirectories()).toEqual([]);
  for (const dir of createdDirs) expect(existsSync(dir), dir).toBe(false);
});

async function endpoint() {
  const opened = await openNamedPipe();
  createdDirs.push(opened.address.dir);
  cleanups.push(() => opened.close());
  return opened;
}

function track<T extends { kill(signal?: NodeJS.Signals): void }>(child: T): T {
  cleanups.push(() => child.kill("SIGKILL"));
  return child;
}

describe("pipes-named: the FIFO files", () => {
  it("are FIFOs of mode 0600 in a private 0700 directory, whatever the umask", async () => {
    const previous = process.umask(0);
    try {
      const { address } = await endpoint();
      for (const path of [address.data, address.acks]) {
        const stat = statSync(path);
        expect(stat.isFIFO()).toBe(true);
        expect((stat.mode & 0o777).toString(8)).toBe("600");
      }
      expect((statSync(address.dir).mode & 0o777).toString(8)).toBe("700");
    } finally {
      process.umask(previous);
    }
  });

  it("are removed by Endpoint.close(), which is idempotent", async () => {
    const opened = await openNamedPipe();
    createdDirs.push(opened.address.dir);
    expect(existsSync(opened.address.data)).toBe(true);
    await opened.close();
    expect(existsSync(opened.address.dir)).toBe(false);
    await opened.close();
  });

  it("are removed when creating them fails (no mkfifo on PATH): MissingProgramError, empty TMPDIR", async () => {
    const privateTmp = mkdtempSync(join(tmpdir(), "ipc-atlas-pipes-test-"));
    cleanups.push(() => rmSync(privateTmp, { recursive: true, force: true }));
    const saved = { PATH: process.env.PATH, TMPDIR: process.env.TMPDIR };
    process.env.PATH = "/nonexistent";
    process.env.TMPDIR = privateTmp;
    try {
      await expect(openNamedPipe()).rejects.toBeInstanceOf(MissingProgramError);
    } finally {
      process.env.PATH = saved.PATH;
      if (saved.TMPDIR === undefined) delete process.env.TMPDIR;
      else process.env.TMPDIR = saved.TMPDIR;
    }
    expect(readdirSync(privateTmp)).toEqual([]);
  });

  it("are removed when the process that opened them crashes", async () => {
    const child = track(spawnScript(fixture("open-and-crash.ts"), { stdio: "pipe" }));
    const address = await new Promise<NamedPipeAddress>((resolve) =>
      child.process.on("message", (m: { address?: NamedPipeAddress }) => m.address && resolve(m.address)),
    );
    createdDirs.push(address.dir);
    expect(existsSync(address.data)).toBe(true);
    expect(await child.exited).not.toBe(0);
    expect(child.output()).toContain("crash on purpose");
    expect(existsSync(address.dir)).toBe(false);
  });
});

describe("pipes-named: open semantics", () => {
  it("a writer waits for a reader (ENXIO until one opens), then opens", async () => {
    const { address } = await endpoint();
    expect(tryOpenFifoWriter(address.data)).toBeNull();
    let waits = 0;
    let parked = () => {};
    const waiting = new Promise<void>((resolve) => (parked = resolve));
    const opening = openFifoWriter(address.data, {
      onWaitForReader: () => {
        waits++;
        parked();
      },
    });
    let settled = false;
    void opening.then(
      () => (settled = true),
      () => (settled = true),
    );
    // The writer found no reader (ENXIO) and waits; across more than its longest retry pause
    // (50 ms) it stays pending, because no attempt can open while nobody reads.
    await waiting;
    await new Promise((r) => setTimeout(r, 150));
    expect(settled, "the writer opened while no reader had the FIFO open").toBe(false);
    const reader = openFifoReader(address.data);
    cleanups.push(() => reader.destroy());
    const writer = await opening;
    cleanups.push(() => writer.destroy());
    expect(waits).toBe(1);
  });

  it("a writer process waits for a reader process: ENXIO first, then it opens and delivers", async () => {
    const { address } = await endpoint();
    const events: string[] = [];
    let writerWaits = () => {};
    const waiting = new Promise<void>((resolve) => {
      writerWaits = resolve;
    });
    const narrator = {
      say(_actor: string, event: string, detail?: string) {
        events.push(`${event} ${detail ?? ""}`.trim());
        if (event === "WAIT") writerWaits();
      },
      note() {},
    };
    const writer = track(
      spawnScript(new URL("../examples/03-named-pipe-writer.ts", import.meta.url), {
        narrator,
        args: [JSON.stringify(address), "after the wait"],
      }),
    );
    await Promise.race([waiting, writer.exited]);
    expect(events).toContain("WAIT ENXIO: no process has the FIFO open for reading yet");
    await new Promise((r) => setTimeout(r, 200));
    expect(events.some((e) => e.startsWith("OPENED"))).toBe(false);
    const consumer = await openNamedPipeConsumer(address);
    cleanups.push(() => consumer.close());
    const received: string[] = [];
    for await (const message of consumer) received.push(Buffer.from(message).toString());
    expect(received).toEqual(["after the wait"]);
    expect(await writer.exited).toBe(0);
    expect(events.map((e) => e.split(" ")[0])).toEqual(["WAIT", "OPENED", "SEND", "SENT"]);
  });

  it("waiting for a reader ends with TimeoutError or AbortError when asked", async () => {
    const { address } = await endpoint();
    await expect(openFifoWriter(address.data, { timeoutMs: 100 })).rejects.toBeInstanceOf(TimeoutError);
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    await expect(connectNamedPipeProducer(address, { signal: controller.signal })).rejects.toBeInstanceOf(
      AbortError,
    );
  });

  it("eight FIFOs with no peer (and eight writers waiting for one) do not stall fs.readFile", async () => {
    const fifos = await makeFifoDirectory(Array.from({ length: 16 }, (_, i) => `idle-${i}`));
    createdDirs.push(fifos.dir);
    cleanups.push(() => fifos.remove());
    const paths = Object.values(fifos.paths).map((path, i) => (i < 8 ? path : `w:${path}`));
    const probe = track(spawnScript(fixture("stall-probe.ts"), { args: ["socket", ...paths] }));
    const ms = await probeReadFile(probe, 20_000, 5000);
    expect(ms, "fs.readFile did not complete: idle FIFOs stalled the thread pool").not.toBeNull();
    expect(ms!).toBeLessThan(1000);
  });

  it("(the control) eight fs.createReadStream on FIFOs with no peer do stall fs.readFile", async () => {
    const fifos = await makeFifoDirectory(Array.from({ length: 8 }, (_, i) => `idle-${i}`));
    createdDirs.push(fifos.dir);
    cleanups.push(() => fifos.remove());
    const probe = track(
      spawnScript(fixture("stall-probe.ts"), { args: ["createReadStream", ...Object.values(fifos.paths)] }),
    );
    // Wait until the probe has really started (it parks the thread pool), then give readFile 2 s.
    expect(await probeReadFile(probe, 20_000, 2000)).toBeNull();
    probe.kill("SIGKILL");
    await probe.exited;
  });
});

/** The probe's fs.readFile time in ms, or null if it did not report within `limitMs` of starting. */
function probeReadFile(probe: ChildHandle, startupMs: number, limitMs = startupMs): Promise<number | null> {
  return new Promise((resolve) => {
    let timer = setTimeout(() => resolve(null), startupMs);
    probe.process.on("message", (m: { readFileMs?: number; started?: boolean }) => {
      if (m.started) {
        clearTimeout(timer);
        timer = setTimeout(() => resolve(null), limitMs);
      }
      if (typeof m.readFileMs === "number") {
        clearTimeout(timer);
        resolve(m.readFileMs);
      }
    });
    void probe.exited.then(() => resolve(null));
  });
}

describe("pipes-named: a dead reader", () => {
  it("gives a raw writer BrokenPipeError (EPIPE) from write, not a SIGPIPE crash", async () => {
    const { address } = await endpoint();
    const reader = track(
      spawnScript(new URL("../examples/04-named-pipe-reader.ts", import.meta.url), {
        args: [JSON.stringify(address)],
        stdio: "pipe",
      }),
    );
    const writer = await openFifoWriter(address.data, { timeoutMs: 30_000 });
    cleanups.push(() => writer.destroy());
    reader.kill("SIGKILL");
    await reader.exited;
    const error = await writeToFifo(writer, address.data, Buffer.from("anyone?")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenPipeError);
    expect(error).toBeInstanceOf(PeerGoneError);
    expect((error as IpcError).code).toBe("EPIPE");
    expect((error as Error).message).toMatch(/EPIPE/);
  });

  it("turns a producer's send into BrokenPipeError (EPIPE) when the consumer process is killed (-9)", async () => {
    const { address } = await endpoint();
    const consumer = await spawnConsumer(pipesNamed, address);
    cleanups.push(() => consumer.dispose());
    const producer = await connectNamedPipeProducer(address);
    cleanups.push(() => producer.close());
    const iterator = consumer[Symbol.asyncIterator]();
    const first = producer.send(Buffer.from("taken"));
    expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe("taken");
    await first;
    const orphan = producer.send(Buffer.from("never taken"));
    consumer.kill("SIGKILL");
    const error = await orphan.catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenPipeError);
    expect((error as IpcError).code).toBe("EPIPE");
    await expect(producer.send(Buffer.from("later"))).rejects.toBeInstanceOf(BrokenPipeError);
  });

  it("rejects a pending send when the reader dies before it took anything (no ack ever written)", async () => {
    const { address } = await endpoint();
    let opened = () => {};
    const open = new Promise<void>((resolve) => {
      opened = resolve;
    });
    const reader = track(
      spawnScript(new URL("../examples/04-named-pipe-reader.ts", import.meta.url), {
        narrator: { say: (_actor, event) => event === "OPENED" && opened(), note() {} },
        args: [JSON.stringify(address)],
      }),
    );
    await Promise.race([open, reader.exited]);
    // Stopped, the reader keeps the FIFO open and takes nothing: the frame stays in the pipe.
    reader.kill("SIGSTOP");
    const producer = await connectNamedPipeProducer(address);
    cleanups.push(() => producer.close());
    const pending = producer.send(Buffer.from("never taken")).catch((e: unknown) => e);
    await new Promise((r) => setTimeout(r, 100));
    reader.kill("SIGKILL");
    const error = await pending;
    expect(error).toBeInstanceOf(BrokenPipeError);
    expect((error as Error).message).toMatch(/before taking 1 message sent to it/);
  });

  it("reaches a producer in another process as the same typed error", async () => {
    const { address } = await endpoint();
    const consumer = await spawnConsumer(pipesNamed, address);
    cleanups.push(() => consumer.dispose());
    const producer = await spawnProducer(pipesNamed, address);
    cleanups.push(() => producer.dispose());
    const iterator = consumer[Symbol.asyncIterator]();
    const first = producer.send(Buffer.from("one"));
    await iterator.next();
    await first;
    consumer.kill("SIGKILL");
    await new Promise((r) => setTimeout(r, 200));
    const error = await producer.send(Buffer.from("two")).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(BrokenPipeError);
    expect((error as IpcError).code).toBe("EPIPE");
  });
});

describe("pipes-named: concurrent writers", () => {
  it(`frames of ${PIPE_BUF} bytes from 4 writer processes never interleave (PIPE_BUF atomicity)`, async () => {
    const writers = 4;
    const perWriter = 400;
    const body = PIPE_BUF - 4; // header + body = one PIPE_BUF write
    const { address } = await endpoint();
    const reader = openFifoReader(address.data);
    cleanups.push(() => reader.destroy());
    // Paused: the pipe fills up and every writer waits in POLLOUT, then all race for the room.
    reader.pause();
    const children = Array.from({ length: writers }, (_, id) =>
      track(
        spawnScript(fixture("fifo-writer.ts"), {
          args: [address.data, String(id), String(perWriter), String(body)],
        }),
      ),
    );
    await Promise.all(
      children.map(
        (child) =>
          new Promise<void>((resolve) =>
            child.process.on("message", (m: { ready?: boolean }) => m.ready && resolve()),
          ),
      ),
    );
    for (const child of children) child.process.send({ go: true });
    await new Promise((r) => setTimeout(r, 200));

    const decoder = new FrameDecoder(body);
    const nextSeq = new Array<number>(writers).fill(0);
    let frames = 0;
    let switches = 0;
    let lastWriter = -1;
    for await (const chunk of reader) {
      for (const frame of decoder.push(chunk as Buffer)) {
        expect(frame.byteLength).toBe(body);
        const id = frame.readUInt8(0);
        const seq = frame.readUInt32BE(1);
        expect(seq, `writer ${id}`).toBe(nextSeq[id]);
        nextSeq[id]!++;
        const fill = (id * 31 + seq) & 0xff;
        // A torn frame would carry another writer's fill byte somewhere in its body.
        expect(
          frame.subarray(5).every((b) => b === fill),
          `frame ${seq} of writer ${id} is torn`,
        ).toBe(true);
        if (id !== lastWriter) switches++;
        lastWriter = id;
        frames++;
      }
    }
    decoder.end();
    expect(frames).toBe(writers * perWriter);
    expect(nextSeq).toEqual(new Array(writers).fill(perWriter));
    // The writers really ran at the same time: the stream switches between them many times.
    expect(switches).toBeGreaterThan(writers * 4);
    for (const child of children) expect(await child.exited).toBe(0);
  });
});

describe("pipes-named: bad input", () => {
  it("an address that is not one is an AddressError saying what to pass", async () => {
    await expect(pipesNamed.producer({ path: "/tmp/x" } as never)).rejects.toBeInstanceOf(AddressError);
    await expect(pipesNamed.consumer(null as never)).rejects.toThrow(/pipesNamed.open/);
  });

  it("a path that is not a FIFO, or a FIFO that is gone, is a typed error", async () => {
    const opened = await endpoint();
    const file = join(opened.address.dir, "regular-file");
    writeFileSync(file, "not a fifo");
    await expect(pipesNamed.consumer({ ...opened.address, data: file })).rejects.toMatchObject({
      code: "ENOTFIFO",
    });
    await opened.close();
    await expect(pipesNamed.consumer(opened.address)).rejects.toMatchObject({ code: "ENOENT" });
    await expect(pipesNamed.producer(opened.address)).rejects.toBeInstanceOf(AddressError);
  });

  it("an impossible maxMessageSize is refused", async () => {
    await expect(openNamedPipe({ maxMessageSize: -1 })).rejects.toMatchObject({ code: "EINVAL" });
    await expect(openNamedPipe({ maxMessageSize: 2 ** 31 })).rejects.toBeInstanceOf(IpcError);
  });

  it("a corrupt length prefix from a raw writer is a FrameError for the consumer, never an allocation", async () => {
    const { address } = await endpoint();
    const consumer = await openNamedPipeConsumer(address);
    cleanups.push(() => consumer.close());
    const writer = await openFifoWriter(address.data, { timeoutMs: 5000 });
    cleanups.push(() => writer.destroy());
    await writeToFifo(writer, address.data, Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    await expect(
      (async () => {
        for await (const _ of consumer) {
          // nothing valid arrives
        }
      })(),
    ).rejects.toBeInstanceOf(FrameError);
  });

  it("a corrupt frame ends the stream on both sides: the consumer takes what came before, then both get FrameError", async () => {
    const { address } = await endpoint();
    const consumer = await openNamedPipeConsumer(address);
    cleanups.push(() => consumer.close());
    const producer = await spawnProducer(pipesNamed, address);
    cleanups.push(() => producer.dispose());
    const iterator = consumer[Symbol.asyncIterator]();
    const first = producer.send(Buffer.from("before"));
    expect(Buffer.from((await iterator.next()).value as Uint8Array).toString()).toBe("before");
    await first;
    // A second writer on the data FIFO (what one producer per endpoint rules out) breaks the framing.
    const intruder = await openFifoWriter(address.data, { timeoutMs: 5000 });
    cleanups.push(() => intruder.destroy());
    await writeToFifo(intruder, address.data, Buffer.from([0xff, 0xff, 0xff, 0xff, 1, 2, 3]));
    const consumerError = await iterator.next().catch((e: unknown) => e);
    expect(consumerError).toBeInstanceOf(FrameError);
    expect((consumerError as IpcError).code).toBe("EFRAME");
    // The producer, in its own process, learns why the stream ended: not EPIPE, a FrameError.
    const producerError = await producer.send(Buffer.from("after")).catch((e: unknown) => e);
    expect(producerError).toBeInstanceOf(FrameError);
    expect((producerError as Error).message).toMatch(/corrupt frame/);
    await expect(producer.send(Buffer.from("later"))).rejects.toBeInstanceOf(FrameError);
    expect(await iterator.next()).toEqual({ done: true, value: undefined });
  });
});
