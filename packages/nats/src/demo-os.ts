import type { Narrator } from "@ipc-atlas/core";
export async function runOsDemo(_narrator: Narrator): Promise<void> {}
