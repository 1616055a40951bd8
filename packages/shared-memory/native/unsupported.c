/*
 * unsupported.c: built instead of shm_ring.c where this package does not run the POSIX ring
 * (it is written and tested on Linux only: uv_poll on a FIFO, /proc for a peer's liveness).
 * The module loads and says so, so the package installs everywhere and the
 * shared-memory-workers variant still works; the POSIX variant raises UnsupportedPlatformError.
 */

#define NAPI_VERSION 8
#include <node_api.h>

static napi_value init(napi_env env, napi_value exports) {
  napi_value unsupported;
  napi_get_boolean(env, true, &unsupported);
  napi_set_named_property(env, exports, "unsupported", unsupported);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
