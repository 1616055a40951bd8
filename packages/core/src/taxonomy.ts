/**
 * The shape of the ipc-atlas taxonomy: the leaves of the source taxonomy (scope › model › timing ›
 * id) in reading order. That is all this file knows: what a variant is, what carries its bytes and
 * how it behaves is declared in its own package (the variant and its card), and the harness finds
 * those packages in the workspace. A package may also bring variants beyond these leaves (say the
 * queue across hosts); they declare their own place.
 */

export type Scope = "in-process" | "inter-process, OS" | "inter-process, network";
export type Model = "shared memory" | "message passing";
export type Timing = "synchronous" | "asynchronous";

/** Where a leaf sits in the tree. */
export interface Place {
  readonly scope: Scope;
  readonly model: Model;
  readonly timing: Timing;
}

/** A variant's place, and one line on the medium that carries its bytes. */
export interface Taxonomy extends Place {
  readonly medium: string;
}

/** The leaves in reading order: simpler before richer (a rendezvous before a buffered channel). */
export const variantIds = [
  "pipes-unnamed",
  "pipes-unnamed-io",
  "shared-memory-workers",
  "channels-unbuffered",
  "channels-buffered",
  "pipes-named",
  "shared-memory-posix",
  "message-queues",
  "pub-sub-nats-os",
  "tcp",
  "grpc-os",
  "pub-sub-nats-network",
  "tcp-ip",
  "grpc-network",
  "rest",
] as const;

export type VariantId = (typeof variantIds)[number];

export const taxonomy: Readonly<Record<VariantId, Place>> = {
  "pipes-unnamed": {
    scope: "in-process",
    model: "shared memory",
    timing: "synchronous",
  },
  "pipes-unnamed-io": {
    scope: "in-process",
    model: "shared memory",
    timing: "synchronous",
  },
  "shared-memory-workers": {
    scope: "in-process",
    model: "shared memory",
    timing: "asynchronous",
  },
  "channels-buffered": {
    scope: "in-process",
    model: "message passing",
    timing: "asynchronous",
  },
  "channels-unbuffered": {
    scope: "in-process",
    model: "message passing",
    timing: "synchronous",
  },
  "pipes-named": {
    scope: "inter-process, OS",
    model: "shared memory",
    timing: "synchronous",
  },
  "shared-memory-posix": {
    scope: "inter-process, OS",
    model: "shared memory",
    timing: "asynchronous",
  },
  "message-queues": {
    scope: "inter-process, OS",
    model: "message passing",
    timing: "asynchronous",
  },
  "pub-sub-nats-os": {
    scope: "inter-process, OS",
    model: "message passing",
    timing: "asynchronous",
  },
  tcp: {
    scope: "inter-process, OS",
    model: "message passing",
    timing: "asynchronous",
  },
  "grpc-os": {
    scope: "inter-process, OS",
    model: "message passing",
    timing: "synchronous",
  },
  "pub-sub-nats-network": {
    scope: "inter-process, network",
    model: "message passing",
    timing: "asynchronous",
  },
  "tcp-ip": {
    scope: "inter-process, network",
    model: "message passing",
    timing: "asynchronous",
  },
  "grpc-network": {
    scope: "inter-process, network",
    model: "message passing",
    timing: "synchronous",
  },
  rest: {
    scope: "inter-process, network",
    model: "message passing",
    timing: "synchronous",
  },
};

export function isVariantId(value: string): value is VariantId {
  return (variantIds as readonly string[]).includes(value);
}

/** True when producer and consumer of this scope live in separate OS processes. */
export function isInterProcess(scope: Scope): boolean {
  return scope !== "in-process";
}

/** The path from the root of the tree to a variant: scope, model, timing, id. */
export function taxonomyPath(variant: { readonly id: string; readonly taxonomy: Place }): readonly string[] {
  const t = variant.taxonomy;
  return [t.scope, t.model, t.timing, variant.id];
}
