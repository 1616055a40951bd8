/**
 * @ipc-atlas/core — what every ipc-atlas package shares: the Producer/Consumer interface, the
 * taxonomy, typed errors, length-prefixed framing, the in-band end marker, the variant
 * registry, demo narration, and separate-process peers. The conformance suite is a separate
 * export, `@ipc-atlas/core/conformance`, so that only tests load vitest.
 */

export type { Consumer, Endpoint, OpenOptions, Producer, Variant, AnyVariant } from "./variant.ts";
export {
  type Model,
  type Scope,
  type Taxonomy,
  type Timing,
  type VariantId,
  isInterProcess,
  isVariantId,
  taxonomy,
  taxonomyPath,
  variantIds,
} from "./taxonomy.ts";
export {
  AbortError,
  AddressError,
  ClosedError,
  FrameError,
  IpcError,
  type IpcErrorJSON,
  MessageTooLargeError,
  MissingProgramError,
  PeerGoneError,
  TimeoutError,
  UnknownVariantError,
  errorFromJSON,
  errorToJSON,
  registerErrorClass,
} from "./errors.ts";
export { DEFAULT_MAX_FRAME_BYTES, FRAME_HEADER_BYTES, FrameDecoder, encodeFrame } from "./framing.ts";
export { END_MARKER, ENVELOPE_BYTES, type Envelope, unwrap, wrapData } from "./envelope.ts";
export { VariantRegistry } from "./registry.ts";
export { type NarrationLine, type Narrator, childNarrator, consoleNarrator, preview } from "./narrator.ts";
export { type ChildHandle, type SpawnOptions, liveChildren, spawnScript, tsxLoader } from "./process.ts";
export {
  type PeerDiagnostics,
  type PeerRole,
  type RemoteConsumer,
  type RemoteProducer,
  spawnConsumer,
  spawnProducer,
} from "./peer.ts";
