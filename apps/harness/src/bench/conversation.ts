/**
 * The harness's side of the conversation with one bench peer: a child process (runner.ts) or a
 * worker thread of a child (threads.ts). Messages arrive in an inbox; `next` takes them in
 * order and turns a peer's failure, its exit, or its silence past a timeout into an error that
 * names the peer and the step.
 */

import { errorFromJSON } from "@ipc-atlas/core";
import type { FromChild } from "./protocol.ts";

/** A peer said the run does not apply (a size its medium cannot carry): not a failure. */
export class NotApplicableSignal extends Error {}

export class Conversation {
  readonly label: string;
  readonly #tail: () => string;
  #inbox: FromChild[] = [];
  #waiter: (() => void) | undefined;
  #exitCode: number | undefined;

  /** `tail` gives the last lines the peer printed, for the error when it exits. */
  constructor(label: string, exited: Promise<number>, tail: () => string = () => "") {
    this.label = label;
    this.#tail = tail;
    void exited.then((code) => {
      this.#exitCode = code;
      this.#wake();
    });
  }

  get exited(): boolean {
    return this.#exitCode !== undefined;
  }

  /** Hand every message from the peer to this. */
  receive(message: FromChild): void {
    this.#inbox.push(message);
    this.#wake();
  }

  #wake(): void {
    this.#waiter?.();
    this.#waiter = undefined;
  }

  /** The next message, or an error: the peer failed, exited, or took longer than `timeoutMs`. */
  async next(what: string, timeoutMs: number): Promise<FromChild> {
    const deadline = Date.now() + timeoutMs;
    for (;;) {
      const message = this.#inbox.shift();
      if (message) {
        if ("failed" in message) throw errorFromJSON(message.failed);
        if ("notApplicable" in message) throw new NotApplicableSignal(message.notApplicable);
        return message;
      }
      if (this.#exitCode !== undefined) {
        const output = this.#tail().trim();
        const tail = output ? `: ${output.split("\n").slice(-5).join(" | ")}` : "";
        throw new Error(`${this.label} exited with code ${this.#exitCode} while ${what}${tail}`);
      }
      const left = deadline - Date.now();
      if (left <= 0)
        throw new Error(`${this.label} timed out after ${Math.round(timeoutMs / 1000)} s while ${what}`);
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, left);
        this.#waiter = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  }
}
