/**
 * The main side's view of a baseline peer: a PortLink whose control messages resolve
 * `ready` (the peer listens) and `report` (the peer's figures), and reject both when the
 * peer fails or goes away.
 */

import { PeerGoneError } from "@ipc-atlas/core";
import type { ChildReport } from "../protocol.ts";
import { type PortLink, portLink } from "./port.ts";

export interface PeerChannel {
  link: PortLink;
  ready: Promise<void>;
  report: Promise<ChildReport>;
  /** Call when the peer is gone (exited, errored). */
  gone(reason: string): void;
}

export function peerChannel(
  post: (value: unknown) => Promise<void> | void,
  window: number | null,
): PeerChannel {
  let readyResolve!: () => void;
  let reportResolve!: (report: ChildReport) => void;
  let fail!: (error: Error) => void;
  const failed = new Promise<never>((_, reject) => (fail = reject));
  failed.catch(() => {});
  const ready = Promise.race([new Promise<void>((resolve) => (readyResolve = resolve)), failed]);
  const report = Promise.race([new Promise<ChildReport>((resolve) => (reportResolve = resolve)), failed]);
  ready.catch(() => {});
  report.catch(() => {});
  const link = portLink(post, window, (message) => {
    const m = message as { ready?: true; report?: ChildReport; peerFailed?: string };
    if (m.ready) readyResolve();
    else if (m.report) reportResolve(m.report);
    else if (m.peerFailed) fail(new PeerGoneError(`baseline peer failed: ${m.peerFailed}`));
  });
  return { link, ready, report, gone: (reason) => fail(new PeerGoneError(reason)) };
}
