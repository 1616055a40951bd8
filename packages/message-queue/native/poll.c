/*
 * poll.c: readiness for the addon. On Linux a message queue descriptor is an ordinary file
 * descriptor that epoll understands (readable when a message waits, writable when there is
 * room), so the JavaScript side waits with a libuv uv_poll_t on the event loop's own epoll set:
 * no worker thread, no busy loop. Started only while someone waits (docs/notes/epoll-cost.md).
 */

#include <stdlib.h>

#include "addon.h"

/* ---- readiness: one uv_poll_t per queue descriptor -------------------------------------- */

/*
 * Lifetime. The JavaScript callback is held through a napi_ref that is strong only while the
 * handle polls (someone waits) and weak when idle, like a libuv handle's ref/unref: a waiting
 * queue stays alive, an idle one can be collected. The struct is freed when both the libuv
 * close callback has run and the JavaScript external has been finalized. Napi resources are
 * released while the environment is still alive: on pollClose, on finalization, or from an
 * environment cleanup hook at exit (which runs before Node-API tears the environment down).
 */
typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int events;      /* what the handle watches now */
  int strong;      /* someone waits: handle referenced, callback reference count 1 */
  int js_released; /* callback reference and async context are gone */
  int closed;      /* uv_close was called */
  int released;    /* the handle's close callback ran */
  int finalized;   /* the JavaScript external was collected (or the env is gone) */
} poller_t;

static void poller_maybe_free(poller_t* p) {
  if (p->released && p->finalized) free(p);
}

static void on_close(uv_handle_t* handle) {
  poller_t* p = handle->data;
  p->released = 1;
  poller_maybe_free(p);
}

static void poller_close_handle(poller_t* p) {
  if (p->closed) return;
  p->closed = 1;
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t*)&p->handle, on_close);
}

static void on_env_cleanup(void* arg);

static void poller_release_js(poller_t* p, int from_hook) {
  if (p->js_released) return;
  p->js_released = 1;
  napi_delete_reference(p->env, p->callback);
  napi_async_destroy(p->env, p->context);
  if (!from_hook) napi_remove_env_cleanup_hook(p->env, on_env_cleanup, p);
}

static void on_env_cleanup(void* arg) {
  poller_t* p = arg;
  poller_release_js(p, 1);
  poller_close_handle(p);
  /* Node-API still runs the external's finalizer when it tears the environment down; that
     frees the struct (if the close callback has run by then; if not, the process is exiting). */
}

static void on_poll(uv_poll_t* handle, int status, int events) {
  poller_t* p = handle->data;
  if (p->js_released) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback = NULL, receiver, argv[2];
  napi_get_reference_value(env, p->callback, &callback);
  if (callback == NULL) {
    /* Collected while idle; nothing can be waiting on it. */
    uv_poll_stop(&p->handle);
    p->events = 0;
  } else {
    /* MakeCallback wants an object as `this`; the callback does not use it. */
    napi_get_global(env, &receiver);
    napi_create_int32(env, status, &argv[0]);
    napi_create_int32(env, events, &argv[1]);
    /* make_callback runs the microtasks (promise continuations) the callback queued. */
    if (napi_make_callback(env, p->context, receiver, callback, 2, argv, NULL) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

static void poller_finalize(napi_env env, void* data, void* hint) {
  (void)env;
  (void)hint;
  poller_t* p = data;
  poller_release_js(p, 0);
  poller_close_handle(p);
  p->finalized = 1;
  poller_maybe_free(p);
}

static int get_poller(napi_env env, napi_value v, poller_t** out) {
  void* data;
  if (napi_get_value_external(env, v, &data) != napi_ok || data == NULL) return 0;
  *out = data;
  return 1;
}

/* pollCreate(fd, callback(status, events)) -> external. The handle starts stopped. */
napi_value poll_create_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  napi_valuetype type;
  if (!get_int(env, argv[0], &fd) || napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function)
    return throw_type(env, "pollCreate(fd, callback)");
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_type(env, "no event loop");
  poller_t* p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "pollCreate");
  p->env = env;
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc != 0) {
    free(p);
    return throw_errno(env, -rc, "uv_poll_init");
  }
  p->handle.data = p;
  uv_unref((uv_handle_t*)&p->handle);
  napi_value resource_name;
  napi_create_string_utf8(env, "PosixMessageQueuePoll", NAPI_AUTO_LENGTH, &resource_name);
  napi_async_init(env, NULL, resource_name, &p->context);
  napi_create_reference(env, argv[1], 0, &p->callback);
  napi_add_env_cleanup_hook(env, on_env_cleanup, p);
  napi_value external;
  napi_create_external(env, p, poller_finalize, NULL, &external);
  return external;
}

/*
 * pollStart(poller, events): watch for UV_READABLE (1) and/or UV_WRITABLE (2) while someone
 * waits; events 0 stops the handle. A started handle keeps the event loop (and the JavaScript
 * queue object) alive, a stopped one does not. The JavaScript side stops it as soon as nobody
 * waits: an armed handle's epoll entry is called back on every send and receive of the queue
 * (why it matters: docs/notes/epoll-cost.md; the policy: #updatePoll in src/queue-waiters.ts).
 */
napi_value poll_start_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  poller_t* p;
  int32_t events;
  if (!get_poller(env, argv[0], &p) || !get_int(env, argv[1], &events))
    return throw_type(env, "pollStart(poller, events)");
  if (p->closed || p->js_released) return NULL;
  events &= UV_READABLE | UV_WRITABLE;
  if (events != p->events) {
    int rc = events == 0 ? uv_poll_stop(&p->handle) : uv_poll_start(&p->handle, events, on_poll);
    if (rc != 0) return throw_errno(env, -rc, "uv_poll_start");
    p->events = events;
  }
  if (events != 0 && !p->strong) {
    uv_ref((uv_handle_t*)&p->handle);
    napi_reference_ref(env, p->callback, NULL);
    p->strong = 1;
  } else if (events == 0 && p->strong) {
    uv_unref((uv_handle_t*)&p->handle);
    napi_reference_unref(env, p->callback, NULL);
    p->strong = 0;
  }
  return NULL;
}

napi_value poll_close_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  poller_t* p;
  if (!get_poller(env, argv[0], &p)) return throw_type(env, "pollClose(poller)");
  poller_release_js(p, 0);
  poller_close_handle(p);
  return NULL;
}
