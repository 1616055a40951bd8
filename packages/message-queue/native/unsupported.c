/*
 * unsupported.c: built instead of posix_mq.c where the OS has no pollable POSIX message queues
 * (macOS has no mq_open at all; on the BSDs a queue is not a file descriptor). The module loads
 * and says so, so the package installs everywhere and MessageQueue.open() can raise a clear
 * UnsupportedPlatformError instead of the import crashing.
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
