/*
 * addon.h: what the two halves of the addon share. posix_mq.c (the queue calls and the module's
 * init) defines the helpers; poll.c (readiness: one uv_poll_t per queue descriptor) defines the
 * poll functions that init registers.
 */
#ifndef IPC_ATLAS_ADDON_H
#define IPC_ATLAS_ADDON_H

#define NAPI_VERSION 8
#include <node_api.h>
#include <stdint.h>
#include <uv.h>

/* Throws a JavaScript Error whose `code` is the errno name and `errno` its number. */
napi_value throw_errno(napi_env env, int err, const char* syscall);
napi_value throw_type(napi_env env, const char* message);
int get_int(napi_env env, napi_value v, int32_t* out);

#define ARGS(n)                                                                 \
  size_t argc = (n);                                                            \
  napi_value argv[(n) > 0 ? (n) : 1];                                           \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL; \
  if (argc < (n)) return throw_type(env, "missing arguments")

napi_value poll_create_js(napi_env env, napi_callback_info info);
napi_value poll_start_js(napi_env env, napi_callback_info info);
napi_value poll_close_js(napi_env env, napi_callback_info info);

#endif
