import type { Narrator } from "@ipc-atlas/core";
export async function runNetworkDemo(_narrator: Narrator): Promise<void> {}
