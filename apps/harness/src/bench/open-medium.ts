/**
 * Opens a variant's medium for messages of `size` bytes, or says why it cannot. A variant
 * with a configurable limit sizes the medium for `maxMessageSize`; one that cannot go that
 * far may refuse to open at all (a POSIX queue beyond the system's msgsize_max). Then the
 * medium is opened with its defaults to read the limit it does have, and the size is "not
 * applicable" with both reasons — a property of the medium, not a failure of the run.
 */

import type { AnyVariant, Endpoint } from "@ipc-atlas/core";
import { tooLargeReason } from "./protocol.ts";

export type OpenedMedium = { endpoint: Endpoint<unknown> } | { notApplicable: string };

export async function openForSize(variant: AnyVariant, size: number): Promise<OpenedMedium> {
  let endpoint: Endpoint<unknown>;
  try {
    endpoint = await variant.open({ maxMessageSize: size });
  } catch (error) {
    let fallback: Endpoint<unknown>;
    try {
      fallback = await variant.open();
    } catch {
      throw error; // the medium cannot be opened at all: a real failure
    }
    const limit = fallback.maxMessageSize;
    await fallback.close();
    if (limit === null || limit >= size) throw error;
    return {
      notApplicable: `${tooLargeReason(size, limit)}; asking for more failed: ${(error as Error).message}`,
    };
  }
  if (endpoint.maxMessageSize !== null && endpoint.maxMessageSize < size) {
    await endpoint.close();
    return { notApplicable: tooLargeReason(size, endpoint.maxMessageSize) };
  }
  return { endpoint };
}
