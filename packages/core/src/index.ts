/**
 * @ipc-atlas/core — what every ipc-atlas package shares: the Producer/Consumer interface, the
 * taxonomy, typed errors, length-prefixed framing, the in-band end marker, the variant
 * registry, demo narration, and separate-process peers. The conformance suite is a separate
 * export, `@ipc-atlas/core/conformance`, so that only tests load vitest.
 *
 * @module @ipc-atlas/core
 */

export { AsyncQueue } from "./async-queue.ts";
export { type NativeMechanism, type Semantics, semanticsColumns, type VariantCard } from "./card.ts";
export { contractConsumer, defineVariant } from "./contract.ts";
export { END_MARKER, ENVELOPE_BYTES, type Envelope, unwrap, wrapData } from "./envelope.ts";
export {
  AbortError,
  AddressError,
  ClosedError,
  errorFromJSON,
  errorToJSON,
  FrameError,
  IpcError,
  type IpcErrorJSON,
  MessageTooLargeError,
  MissingProgramError,
  PeerGoneError,
  registerErrorClass,
  TimeoutError,
  UnknownVariantError,
} from "./errors.ts";
export { DEFAULT_MAX_FRAME_BYTES, encodeFrame, FRAME_HEADER_BYTES, FrameDecoder } from "./framing.ts";
export { retainedBytes } from "./memory.ts";
export {
  childNarrator,
  consoleNarrator,
  type NarrationLine,
  type Narrator,
  preview,
  recordingNarrator,
} from "./narrator.ts";
export {
  type PeerDiagnostics,
  type PeerPlacement,
  type PeerRole,
  type RemoteConsumer,
  type RemoteProducer,
  spawnConsumer,
  spawnProducer,
} from "./peer.ts";
export {
  connectError,
  freePort,
  holdListener,
  listen,
  listenError,
  receiveListener,
  sendListener,
  sendWithListener,
  takeListener,
} from "./ports.ts";
export {
  ADDRESS_ENV,
  addressEnv,
  addressFromEnv,
  atExit,
  type ChildHandle,
  childReady,
  exitCodeOf,
  liveChildren,
  type SpawnOptions,
  signalNumber,
  spawnScript,
  tsxLoader,
  waitForGo,
} from "./process.ts";
export { loadVariant, VariantRegistry } from "./registry.ts";
export {
  AuthError,
  checkLimit,
  demoSecurity,
  type EndpointSecurity,
  endpointSecurity,
  InsecureListenError,
  InvalidLimitError,
  isLoopback,
  newToken,
  redact,
  redactUrl,
  TlsVerifyError,
  tokenMatches,
} from "./security.ts";
export {
  isInterProcess,
  isVariantId,
  type Model,
  type Place,
  type Scope,
  type Taxonomy,
  type Timing,
  taxonomy,
  taxonomyPath,
  type VariantId,
  variantIds,
} from "./taxonomy.ts";
export { spawnThread, type ThreadHandle, type ThreadOptions } from "./thread.ts";
export { makeCertificates, type TlsMaterial } from "./tls.ts";
export type { AnyVariant, Consumer, Endpoint, OpenOptions, Producer, Variant } from "./variant.ts";
