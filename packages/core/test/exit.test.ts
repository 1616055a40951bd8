import { describe, expect, it } from "vitest";
import { spawnScript } from "../src/index.ts";

const fixture = new URL("./fixtures/exit-task.ts", import.meta.url);

async function run(args: string[]) {
  const child = spawnScript(fixture, { args });
  const messages: unknown[] = [];
  const ready = new Promise<void>((resolve) =>
    child.process.on("message", (m: { ready?: boolean }) => {
      messages.push(m);
      if (m?.ready) resolve();
    }),
  );
  try {
    await ready;
    child.kill("SIGTERM");
    return { code: await child.exited, messages };
  } finally {
    child.kill("SIGKILL");
  }
}

describe("atExit", () => {
  it("runs the exit tasks on a SIGTERM the program does not handle, exiting as the signal would", async () => {
    const { code, messages } = await run([]);
    expect(code).toBe(128 + 15);
    expect(messages).toContainEqual({ task: "ran" });
  });

  it("leaves a SIGTERM the program handles to the program", async () => {
    const { code, messages } = await run(["--own-handler"]);
    expect(messages).toContainEqual({ handled: "SIGTERM" });
    expect(code).toBe(7); // the program's own exit, not 128 + 15
    expect(messages).toContainEqual({ task: "ran" }); // and process.exit still ran the tasks
  });
});
