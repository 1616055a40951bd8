/*
 * shm_ring.c: the Node-API side of the shared-memory-posix ring (src/shared-memory-posix.ts).
 *
 * - A POSIX shared-memory object (shm_open with O_CREAT|O_EXCL, mode 0600, ftruncate, mmap
 *   MAP_SHARED) handed to JavaScript as an external ArrayBuffer, so records are written and read
 *   in place, with no copy through the kernel.
 * - The ring's index updates with C11 atomics: a side stores its own index with release order
 *   (every record byte written before it is visible to the other side once it sees the index),
 *   a full fence, then reads the other side's waiting flag and index with acquire order. One
 *   call per batch of records, not per record (ring.ts decides when).
 * - Wake-ups that never block: a side that sleeps raises its waiting flag; the other side,
 *   seeing it, clears it and writes one byte into the sleeper's doorbell FIFO (non-blocking).
 *   The sleeper waits for its doorbell with a uv_poll_t on the event loop's own epoll set.
 *
 * The header layout (word indices) is ring.ts's `W`.
 */

#define NAPI_VERSION 8
#include <node_api.h>
#include <uv.h>

#include <errno.h>
#include <fcntl.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <unistd.h>

#define HEADER_BYTES 512
#define W_MAGIC 0
#define W_CAPACITY 1
#define W_OWNER_PID 4
#define W_OWNER_PID_NS 5
#define RING_MAGIC 0x49504352
#define NAME_MAX_BYTES 256

static napi_value throw_errno(napi_env env, int err, const char* call, const char* what) {
  const char* name = "EUNKNOWN";
  switch (err) {
    case EACCES: name = "EACCES"; break;
    case EEXIST: name = "EEXIST"; break;
    case EINVAL: name = "EINVAL"; break;
    case EMFILE: name = "EMFILE"; break;
    case ENFILE: name = "ENFILE"; break;
    case ENAMETOOLONG: name = "ENAMETOOLONG"; break;
    case ENOENT: name = "ENOENT"; break;
    case ENOMEM: name = "ENOMEM"; break;
    case ENOSPC: name = "ENOSPC"; break;
    case EPERM: name = "EPERM"; break;
    case EBADF: name = "EBADF"; break;
    default: break;
  }
  char text[512];
  snprintf(text, sizeof text, "%s %s: %s", call, what, strerror(err));
  napi_value code, message, error, number, syscall;
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, err, &number);
  napi_set_named_property(env, error, "errno", number);
  napi_create_string_utf8(env, call, NAPI_AUTO_LENGTH, &syscall);
  napi_set_named_property(env, error, "syscall", syscall);
  napi_throw(env, error);
  return NULL;
}

static napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

#define ARGS(n)                                                                     \
  size_t argc = (n);                                                                \
  napi_value argv[(n)];                                                             \
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok) return NULL; \
  if (argc < (n)) return throw_type(env, "missing arguments")

static int get_int(napi_env env, napi_value v, int32_t* out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int get_string(napi_env env, napi_value v, char* out, size_t size) {
  size_t length;
  if (napi_get_value_string_utf8(env, v, out, size, &length) != napi_ok) return 0;
  return length < size - 1;
}

/* ---- the mapping --------------------------------------------------------------------------- */

/*
 * Lifetime: the ArrayBuffer's own finalizer unmaps (if unmap() has not), and a wrap on the same
 * ArrayBuffer lets unmap() find the mapping; both finalizers hold a reference to the struct.
 */
typedef struct {
  void* addr;
  size_t length;
  int unmapped;
  int refs;
} mapping_t;

static void mapping_unref(mapping_t* m) {
  if (--m->refs == 0) free(m);
}

static void on_buffer_finalize(napi_env env, void* data, void* hint) {
  mapping_t* m = hint;
  if (!m->unmapped) munmap(m->addr, m->length);
  m->unmapped = 1;
  mapping_unref(m);
}

static void on_wrap_finalize(napi_env env, void* data, void* hint) {
  mapping_unref(data);
}

/*
 * map(name, create, dataBytes) -> ArrayBuffer over header + data.
 *
 * create: shm_open with O_CREAT|O_EXCL (an existing name is refused, never reused), fchmod
 * 0600 (exact whatever the umask), ftruncate, mmap, then the header: capacity, and the magic
 * word last, with release order, so an attaching side never sees a half-made ring.
 * attach (create false): the object must belong to this user and allow nobody else (mode
 * 0600), and hold a ring of the size its header says.
 */
static napi_value map_js(napi_env env, napi_callback_info info) {
  ARGS(3);
  char name[NAME_MAX_BYTES];
  bool create;
  int32_t data_bytes;
  if (!get_string(env, argv[0], name, sizeof name) || napi_get_value_bool(env, argv[1], &create) != napi_ok ||
      !get_int(env, argv[2], &data_bytes))
    return throw_type(env, "map(name, create, dataBytes)");
  int fd;
  size_t length;
  if (create) {
    if (data_bytes <= 0) return throw_type(env, "map: dataBytes must be positive");
    fd = shm_open(name, O_RDWR | O_CREAT | O_EXCL | O_CLOEXEC, 0600);
    if (fd < 0) return throw_errno(env, errno, "shm_open", name);
    length = HEADER_BYTES + (size_t)data_bytes;
    if (fchmod(fd, 0600) != 0 || ftruncate(fd, (off_t)length) != 0) {
      int err = errno;
      close(fd);
      shm_unlink(name);
      return throw_errno(env, err, "ftruncate", name);
    }
  } else {
    fd = shm_open(name, O_RDWR | O_CLOEXEC, 0);
    if (fd < 0) return throw_errno(env, errno, "shm_open", name);
    struct stat st;
    if (fstat(fd, &st) != 0) {
      int err = errno;
      close(fd);
      return throw_errno(env, err, "fstat", name);
    }
    if (st.st_uid != geteuid() || (st.st_mode & 077) != 0) {
      close(fd);
      return throw_errno(env, EACCES, "shm_open", "(owned by another user, or open to others)");
    }
    if ((size_t)st.st_size <= HEADER_BYTES) {
      close(fd);
      return throw_errno(env, EINVAL, "shm_open", "(too small to hold a ring)");
    }
    length = (size_t)st.st_size;
  }
  void* addr = mmap(NULL, length, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  int err = errno;
  close(fd); /* the mapping keeps the object; the descriptor is not needed */
  if (addr == MAP_FAILED) {
    if (create) shm_unlink(name);
    return throw_errno(env, err, "mmap", name);
  }
  _Atomic int32_t* words = addr;
  if (create) {
    atomic_store_explicit(&words[W_CAPACITY], data_bytes, memory_order_relaxed);
    /* Who made it, and in which pid namespace: a later open() removes the ring once its maker
       and both sides are gone (src/stale-rings.ts), and never judges a pid of another namespace. */
    struct stat ns;
    atomic_store_explicit(&words[W_OWNER_PID], (int32_t)getpid(), memory_order_relaxed);
    atomic_store_explicit(&words[W_OWNER_PID_NS], stat("/proc/self/ns/pid", &ns) == 0 ? (int32_t)(uint32_t)ns.st_ino : 0,
                          memory_order_relaxed);
    atomic_store_explicit(&words[W_MAGIC], RING_MAGIC, memory_order_release);
  } else if (atomic_load_explicit(&words[W_MAGIC], memory_order_acquire) != RING_MAGIC ||
             (size_t)atomic_load_explicit(&words[W_CAPACITY], memory_order_relaxed) + HEADER_BYTES != length) {
    munmap(addr, length);
    return throw_errno(env, EINVAL, "shm_open", "(not an ipc-atlas ring)");
  }
  mapping_t* m = calloc(1, sizeof *m);
  if (!m) {
    munmap(addr, length);
    return throw_errno(env, ENOMEM, "map", name);
  }
  m->addr = addr;
  m->length = length;
  m->refs = 2;
  napi_value buffer;
  if (napi_create_external_arraybuffer(env, addr, length, on_buffer_finalize, m, &buffer) != napi_ok) {
    munmap(addr, length);
    free(m);
    return throw_errno(env, ENOMEM, "napi_create_external_arraybuffer", name);
  }
  napi_wrap(env, buffer, m, on_wrap_finalize, NULL, NULL);
  return buffer;
}

/* unmap(buffer): detaches the ArrayBuffer (every view of it becomes empty), then munmap. */
static napi_value unmap_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  mapping_t* m;
  if (napi_unwrap(env, argv[0], (void**)&m) != napi_ok) return throw_type(env, "unmap(ring buffer)");
  if (m->unmapped) return NULL;
  napi_detach_arraybuffer(env, argv[0]);
  munmap(m->addr, m->length);
  m->unmapped = 1;
  return NULL;
}

/* unlink(name) -> true when removed, false when there was no such object. */
static napi_value unlink_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  char name[NAME_MAX_BYTES];
  if (!get_string(env, argv[0], name, sizeof name)) return throw_type(env, "unlink(name)");
  int removed = shm_unlink(name) == 0;
  if (!removed && errno != ENOENT) return throw_errno(env, errno, "shm_unlink", name);
  napi_value result;
  napi_get_boolean(env, removed, &result);
  return result;
}

/* mkfifo(path): a doorbell, mode 0600 exactly. */
static napi_value mkfifo_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  char path[4096];
  if (!get_string(env, argv[0], path, sizeof path)) return throw_type(env, "mkfifo(path)");
  if (mkfifo(path, 0600) != 0) return throw_errno(env, errno, "mkfifo", path);
  if (chmod(path, 0600) != 0) return throw_errno(env, errno, "chmod", path);
  return NULL;
}

/* ---- the indices ----------------------------------------------------------------------------- */

static _Atomic int32_t* ring_words(napi_env env, napi_value buffer) {
  void* data = NULL;
  size_t length = 0;
  if (napi_get_arraybuffer_info(env, buffer, &data, &length) != napi_ok || length < HEADER_BYTES) return NULL;
  return data;
}

#define NO_WORD -1
#define WORDS (HEADER_BYTES / 4)

/*
 * signal(buffer, storeWord, value, loadWord, waitingWord, doorbellFd) -> number
 *
 * Stores `value` at storeWord (release), then a full fence, then: if waitingWord is set (the
 * other side sleeps), clears it and rings the other side's doorbell; then reads loadWord
 * (acquire) and returns it as an unsigned 32-bit number, plus 2^32 when a ring was due but
 * doorbellFd is -1 (not open yet): the caller opens it and rings. The fence pairs with the
 * sleeper's (it raises its flag, fences, and reads this side's index), so one of the two always
 * sees the other: no wake-up is lost.
 */
static napi_value signal_js(napi_env env, napi_callback_info info) {
  ARGS(6);
  int32_t store_word, value, load_word, waiting_word, fd;
  _Atomic int32_t* w = ring_words(env, argv[0]);
  if (!w || !get_int(env, argv[1], &store_word) || !get_int(env, argv[2], &value) ||
      !get_int(env, argv[3], &load_word) || !get_int(env, argv[4], &waiting_word) || !get_int(env, argv[5], &fd) ||
      store_word < 0 || store_word >= WORDS || load_word < 0 || load_word >= WORDS || waiting_word >= WORDS)
    return throw_type(env, "signal(ring buffer, storeWord, value, loadWord, waitingWord, fd)");
  atomic_store_explicit(&w[store_word], value, memory_order_release);
  atomic_thread_fence(memory_order_seq_cst);
  double ring_due = 0;
  if (waiting_word != NO_WORD && atomic_load_explicit(&w[waiting_word], memory_order_relaxed) == 1 &&
      atomic_exchange_explicit(&w[waiting_word], 0, memory_order_acq_rel) == 1) {
    if (fd >= 0) {
      /* EAGAIN: the doorbell already holds unread rings; EPIPE: the sleeper is gone (SIGPIPE is
         ignored in Node), which it notices itself. Neither is this side's error. */
      static const char bell = 1;
      ssize_t rc = write(fd, &bell, 1);
      (void)rc;
    } else {
      ring_due = 4294967296.0;
    }
  }
  uint32_t loaded = (uint32_t)atomic_load_explicit(&w[load_word], memory_order_acquire);
  napi_value result;
  napi_create_double(env, (double)loaded + ring_due, &result);
  return result;
}

/* load(buffer, word) -> the word (acquire), as an unsigned 32-bit number. */
static napi_value load_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t word;
  _Atomic int32_t* w = ring_words(env, argv[0]);
  if (!w || !get_int(env, argv[1], &word) || word < 0 || word >= WORDS) return throw_type(env, "load(ring, word)");
  napi_value result;
  napi_create_uint32(env, (uint32_t)atomic_load_explicit(&w[word], memory_order_acquire), &result);
  return result;
}

/* claim(buffer, word, pid) -> 0 when this side took the word, else the pid already there. */
static napi_value claim_js(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t word, pid;
  _Atomic int32_t* w = ring_words(env, argv[0]);
  if (!w || !get_int(env, argv[1], &word) || !get_int(env, argv[2], &pid) || word < 0 || word >= WORDS)
    return throw_type(env, "claim(ring, word, pid)");
  int32_t expected = 0;
  atomic_compare_exchange_strong_explicit(&w[word], &expected, pid, memory_order_acq_rel, memory_order_acquire);
  napi_value result;
  napi_create_int32(env, expected, &result);
  return result;
}

/* drain(fd) -> 1 when rings were read, 0 when there was none, -1 at end of file (writer gone). */
static napi_value drain_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (!get_int(env, argv[0], &fd)) return throw_type(env, "drain(fd)");
  char bells[256];
  int32_t state = 0;
  for (;;) {
    ssize_t got = read(fd, bells, sizeof bells);
    if (got > 0) {
      state = 1;
      continue;
    }
    if (got == 0) state = -1;
    else if (errno == EINTR) continue;
    else if (errno != EAGAIN) return throw_errno(env, errno, "read", "doorbell");
    break;
  }
  napi_value result;
  napi_create_int32(env, state, &result);
  return result;
}

/* ---- readiness of a doorbell: one uv_poll_t --------------------------------------------------- */

/*
 * The handle keeps the loop alive and its JavaScript callback strongly referenced only while
 * started (someone sleeps); stopped, it is unreferenced and costs nothing. pollClose releases
 * it; an environment cleanup hook does so at exit if JavaScript did not.
 */
typedef struct {
  uv_poll_t handle;
  napi_env env;
  napi_ref callback;
  napi_async_context context;
  int started;
  int closed;
} poller_t;

static void on_handle_closed(uv_handle_t* handle) {
  free(handle->data);
}

static void poller_close(poller_t* p) {
  if (p->closed) return;
  p->closed = 1;
  napi_delete_reference(p->env, p->callback);
  napi_async_destroy(p->env, p->context);
  uv_poll_stop(&p->handle);
  uv_close((uv_handle_t*)&p->handle, on_handle_closed);
}

static void on_env_cleanup(void* arg) {
  poller_close(arg);
}

static void on_poll(uv_poll_t* handle, int status, int events) {
  poller_t* p = handle->data;
  if (p->closed) return;
  napi_env env = p->env;
  napi_handle_scope scope;
  if (napi_open_handle_scope(env, &scope) != napi_ok) return;
  napi_value callback = NULL, receiver, args[1];
  napi_get_reference_value(env, p->callback, &callback);
  if (callback) {
    napi_get_global(env, &receiver);
    napi_create_int32(env, status, &args[0]);
    if (napi_make_callback(env, p->context, receiver, callback, 1, args, NULL) == napi_pending_exception) {
      napi_value error;
      napi_get_and_clear_last_exception(env, &error);
      napi_fatal_exception(env, error);
    }
  }
  napi_close_handle_scope(env, scope);
}

/* pollCreate(fd, callback(status)) -> external; stopped at first. */
static napi_value poll_create_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  napi_valuetype type;
  if (!get_int(env, argv[0], &fd) || napi_typeof(env, argv[1], &type) != napi_ok || type != napi_function)
    return throw_type(env, "pollCreate(fd, callback)");
  uv_loop_t* loop;
  if (napi_get_uv_event_loop(env, &loop) != napi_ok) return throw_type(env, "no event loop");
  poller_t* p = calloc(1, sizeof *p);
  if (!p) return throw_errno(env, ENOMEM, "pollCreate", "doorbell");
  int rc = uv_poll_init(loop, &p->handle, fd);
  if (rc != 0) {
    free(p);
    return throw_errno(env, -rc, "uv_poll_init", "doorbell");
  }
  p->env = env;
  p->handle.data = p;
  uv_unref((uv_handle_t*)&p->handle);
  napi_value name;
  napi_create_string_utf8(env, "SharedMemoryRingDoorbell", NAPI_AUTO_LENGTH, &name);
  napi_async_init(env, NULL, name, &p->context);
  napi_create_reference(env, argv[1], 0, &p->callback);
  napi_add_env_cleanup_hook(env, on_env_cleanup, p);
  napi_value external;
  napi_create_external(env, p, NULL, NULL, &external);
  return external;
}

static poller_t* get_poller(napi_env env, napi_value v) {
  void* data = NULL;
  if (napi_get_value_external(env, v, &data) != napi_ok) return NULL;
  return data;
}

/* pollStart(poller, on): watch for readable (and hang-up) while on; a started handle keeps the loop alive. */
static napi_value poll_start_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  poller_t* p = get_poller(env, argv[0]);
  bool on;
  if (!p || napi_get_value_bool(env, argv[1], &on) != napi_ok) return throw_type(env, "pollStart(poller, on)");
  if (p->closed || (int)on == p->started) return NULL;
  if (on) {
    int rc = uv_poll_start(&p->handle, UV_READABLE | UV_DISCONNECT, on_poll);
    if (rc != 0) return throw_errno(env, -rc, "uv_poll_start", "doorbell");
    uv_ref((uv_handle_t*)&p->handle);
    napi_reference_ref(env, p->callback, NULL);
  } else {
    uv_poll_stop(&p->handle);
    uv_unref((uv_handle_t*)&p->handle);
    napi_reference_unref(env, p->callback, NULL);
  }
  p->started = on;
  return NULL;
}

static napi_value poll_close_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  poller_t* p = get_poller(env, argv[0]);
  if (!p) return throw_type(env, "pollClose(poller)");
  if (!p->closed) {
    napi_remove_env_cleanup_hook(env, on_env_cleanup, p);
    poller_close(p);
  }
  return NULL;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"map", NULL, map_js, NULL, NULL, NULL, napi_default, NULL},
      {"unmap", NULL, unmap_js, NULL, NULL, NULL, napi_default, NULL},
      {"unlink", NULL, unlink_js, NULL, NULL, NULL, napi_default, NULL},
      {"mkfifo", NULL, mkfifo_js, NULL, NULL, NULL, napi_default, NULL},
      {"signal", NULL, signal_js, NULL, NULL, NULL, napi_default, NULL},
      {"load", NULL, load_js, NULL, NULL, NULL, napi_default, NULL},
      {"claim", NULL, claim_js, NULL, NULL, NULL, napi_default, NULL},
      {"drain", NULL, drain_js, NULL, NULL, NULL, napi_default, NULL},
      {"pollCreate", NULL, poll_create_js, NULL, NULL, NULL, napi_default, NULL},
      {"pollStart", NULL, poll_start_js, NULL, NULL, NULL, napi_default, NULL},
      {"pollClose", NULL, poll_close_js, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
