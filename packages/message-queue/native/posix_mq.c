/*
 * posix_mq.c: a thin Node-API binding over POSIX message queues (mq_overview(7)).
 *
 * Everything here is non-blocking. Queues are opened with O_NONBLOCK, so mq_send and
 * mq_receive either succeed at once or fail with EAGAIN; they never park a thread. On Linux a
 * message queue descriptor is an ordinary file descriptor that poll/epoll understand (readable
 * when a message waits, writable when there is room), so the JavaScript side waits for
 * readiness with a libuv uv_poll_t on the event loop's own epoll set. No worker thread, no
 * busy loop: an idle consumer costs nothing.
 *
 * The readiness half (uv_poll_t per queue descriptor) is in poll.c; the helpers both halves
 * share are declared in addon.h.
 *
 * The JavaScript layer (src/posix-queue.ts) owns the policy: it tries the syscall first and
 * only starts the poll handle when the call would block, and it stops the handle when nobody
 * waits, so a stopped handle never keeps the process alive.
 *
 * Hot paths (send, receive, their batch forms) report EAGAIN as a return value, not as an
 * exception, and write lengths and priorities into a caller-owned Uint32Array instead of
 * allocating result objects.
 */

#include "addon.h"

#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

/*
 * The hot paths call the kernel directly. glibc's mq_send/mq_receive are cancellation points:
 * each call switches the thread's asynchronous cancellation on and off around the syscall,
 * which Node never uses and which is a measurable part of a send plus a receive
 * (docs/notes/message-queue-performance.md).
 * Same syscalls, same errno.
 */
static inline int raw_mq_send(mqd_t q, const void* data, size_t length, unsigned int priority) {
  return (int)syscall(SYS_mq_timedsend, q, data, length, priority, NULL);
}
static inline ssize_t raw_mq_receive(mqd_t q, void* data, size_t length, unsigned int* priority) {
  return (ssize_t)syscall(SYS_mq_timedreceive, q, data, length, priority, NULL);
}

#define NAME_MAX_BYTES 1024

/* Throws a JavaScript Error whose `code` is the errno name and `errno` its number. */
napi_value throw_errno(napi_env env, int err, const char* syscall) {
  napi_value code, message, error, number, where;
  char text[256];
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
    case EMSGSIZE: name = "EMSGSIZE"; break;
    case EBADF: name = "EBADF"; break;
    case EAGAIN: name = "EAGAIN"; break;
    case EINTR: name = "EINTR"; break;
    case ENOSYS: name = "ENOSYS"; break;
    case EPERM: name = "EPERM"; break;
    case ETIMEDOUT: name = "ETIMEDOUT"; break;
    default: break;
  }
  snprintf(text, sizeof text, "%s: %s", syscall, strerror(err));
  napi_create_string_utf8(env, name, NAPI_AUTO_LENGTH, &code);
  napi_create_string_utf8(env, text, NAPI_AUTO_LENGTH, &message);
  napi_create_error(env, code, message, &error);
  napi_create_int32(env, err, &number);
  napi_set_named_property(env, error, "errno", number);
  napi_create_string_utf8(env, syscall, NAPI_AUTO_LENGTH, &where);
  napi_set_named_property(env, error, "syscall", where);
  napi_throw(env, error);
  return NULL;
}

napi_value throw_type(napi_env env, const char* message) {
  napi_throw_type_error(env, "ERR_INVALID_ARG_TYPE", message);
  return NULL;
}

int get_int(napi_env env, napi_value v, int32_t* out) {
  return napi_get_value_int32(env, v, out) == napi_ok;
}

static int get_bytes(napi_env env, napi_value v, uint8_t** data, size_t* length) {
  napi_typedarray_type type;
  void* base;
  if (napi_get_typedarray_info(env, v, &type, length, &base, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint8_array) return 0;
  *data = base; /* already adjusted by byteOffset */
  return 1;
}

static int get_u32_array(napi_env env, napi_value v, uint32_t** data, size_t* length) {
  napi_typedarray_type type;
  void* base;
  if (napi_get_typedarray_info(env, v, &type, length, &base, NULL, NULL) != napi_ok) return 0;
  if (type != napi_uint32_array) return 0;
  *data = base;
  return 1;
}

/*
 * open(name, create, exclusive, access, mode, maxMessages, messageSize) -> [fd, created]
 *
 * access: 0 read-only, 1 write-only, 2 read-write. maxMessages/messageSize 0 means "the
 * system default" (no attr passed to mq_open).
 *
 * Creation always goes through O_CREAT|O_EXCL first, so this process knows whether it made
 * the queue; only then is the mode set with fchmod, which makes it exact whatever the umask
 * and never changes the mode of someone else's queue. Without `exclusive`, an existing queue
 * is then opened plainly; if it vanishes in between (unlinked by another process) we retry.
 */
static napi_value mq_open_js(napi_env env, napi_callback_info info) {
  ARGS(7);
  char name[NAME_MAX_BYTES];
  size_t name_len;
  bool create, exclusive;
  int32_t access, mode, maxmsg, msgsize;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len) != napi_ok)
    return throw_type(env, "name must be a string");
  if (name_len >= sizeof name - 1) return throw_errno(env, ENAMETOOLONG, "mq_open");
  napi_get_value_bool(env, argv[1], &create);
  napi_get_value_bool(env, argv[2], &exclusive);
  if (!get_int(env, argv[3], &access) || !get_int(env, argv[4], &mode) || !get_int(env, argv[5], &maxmsg) ||
      !get_int(env, argv[6], &msgsize))
    return throw_type(env, "access, mode, maxMessages and messageSize must be numbers");

  int flags = O_NONBLOCK | (access == 0 ? O_RDONLY : access == 1 ? O_WRONLY : O_RDWR);
  struct mq_attr attr;
  memset(&attr, 0, sizeof attr);
  attr.mq_maxmsg = maxmsg;
  attr.mq_msgsize = msgsize;
  struct mq_attr* attrp = (maxmsg > 0 && msgsize > 0) ? &attr : NULL;

  mqd_t fd = (mqd_t)-1;
  bool created = false;
  if (!create) {
    fd = mq_open(name, flags);
    if (fd == (mqd_t)-1) return throw_errno(env, errno, "mq_open");
  } else {
    for (int attempt = 0; attempt < 100; attempt++) {
      fd = mq_open(name, flags | O_CREAT | O_EXCL, (mode_t)mode, attrp);
      if (fd != (mqd_t)-1) {
        created = true;
        break;
      }
      if (errno != EEXIST || exclusive) return throw_errno(env, errno, "mq_open");
      fd = mq_open(name, flags);
      if (fd != (mqd_t)-1) break;
      if (errno != ENOENT) return throw_errno(env, errno, "mq_open");
    }
    if (fd == (mqd_t)-1) return throw_errno(env, EAGAIN, "mq_open");
    if (created && fchmod((int)fd, (mode_t)mode) != 0) {
      int err = errno;
      mq_close(fd);
      mq_unlink(name);
      return throw_errno(env, err, "fchmod");
    }
  }

  napi_value result, fd_value, created_value;
  napi_create_array_with_length(env, 2, &result);
  napi_create_int32(env, (int32_t)fd, &fd_value);
  napi_get_boolean(env, created, &created_value);
  napi_set_element(env, result, 0, fd_value);
  napi_set_element(env, result, 1, created_value);
  return result;
}

/* getattr(fd, out: Uint32Array(3)): out = [maxMessages, messageSize, currentMessages] */
static napi_value mq_getattr_js(napi_env env, napi_callback_info info) {
  ARGS(2);
  int32_t fd;
  uint32_t* out;
  size_t out_len;
  if (!get_int(env, argv[0], &fd) || !get_u32_array(env, argv[1], &out, &out_len) || out_len < 3)
    return throw_type(env, "getattr(fd, Uint32Array(3))");
  struct mq_attr attr;
  if (mq_getattr((mqd_t)fd, &attr) != 0) return throw_errno(env, errno, "mq_getattr");
  out[0] = (uint32_t)attr.mq_maxmsg;
  out[1] = (uint32_t)attr.mq_msgsize;
  out[2] = (uint32_t)attr.mq_curmsgs;
  return NULL;
}

static napi_value mq_close_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  int32_t fd;
  if (!get_int(env, argv[0], &fd)) return throw_type(env, "close(fd)");
  if (mq_close((mqd_t)fd) != 0) return throw_errno(env, errno, "mq_close");
  return NULL;
}

/* unlink(name) -> true when removed, false when there was no such queue. */
static napi_value mq_unlink_js(napi_env env, napi_callback_info info) {
  ARGS(1);
  char name[NAME_MAX_BYTES];
  size_t name_len;
  if (napi_get_value_string_utf8(env, argv[0], name, sizeof name, &name_len) != napi_ok)
    return throw_type(env, "name must be a string");
  if (name_len >= sizeof name - 1) return throw_errno(env, ENAMETOOLONG, "mq_unlink");
  napi_value result;
  if (mq_unlink(name) != 0) {
    if (errno != ENOENT) return throw_errno(env, errno, "mq_unlink");
    napi_get_boolean(env, false, &result);
  } else {
    napi_get_boolean(env, true, &result);
  }
  return result;
}

/* send(fd, data: Uint8Array, priority) -> true when queued, false when the queue is full. */
static napi_value mq_send_js(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t fd;
  uint32_t priority;
  uint8_t* data;
  size_t length;
  if (!get_int(env, argv[0], &fd) || !get_bytes(env, argv[1], &data, &length) ||
      napi_get_value_uint32(env, argv[2], &priority) != napi_ok)
    return throw_type(env, "send(fd, Uint8Array, priority)");
  int rc;
  do rc = raw_mq_send((mqd_t)fd, data, length, priority);
  while (rc != 0 && errno == EINTR);
  napi_value result;
  if (rc != 0) {
    if (errno != EAGAIN) return throw_errno(env, errno, "mq_send");
    napi_get_boolean(env, false, &result);
  } else {
    napi_get_boolean(env, true, &result);
  }
  return result;
}

/*
 * sendMany(fd, priority, m0, m1, ...) -> how many of the messages (at most SEND_MANY_MAX) were
 * queued before the queue filled up. One crossing into native code for a whole batch; the
 * messages come as arguments, which Node-API hands over as one array of handles: fetching the
 * elements of a JavaScript array one by one costs a Node-API call each, a large part of a send
 * (docs/notes/message-queue-performance.md).
 */
#define SEND_MANY_MAX 256
static napi_value mq_send_many_js(napi_env env, napi_callback_info info) {
  size_t argc = 2 + SEND_MANY_MAX;
  napi_value argv[2 + SEND_MANY_MAX];
  int32_t fd;
  uint32_t priority;
  if (napi_get_cb_info(env, info, &argc, argv, NULL, NULL) != napi_ok || argc < 2 ||
      argc > 2 + SEND_MANY_MAX || !get_int(env, argv[0], &fd) ||
      napi_get_value_uint32(env, argv[1], &priority) != napi_ok)
    return throw_type(env, "sendMany(fd, priority, ...up to 256 Uint8Arrays)");
  size_t i = 2;
  for (; i < argc; i++) {
    uint8_t* data;
    size_t length;
    if (!get_bytes(env, argv[i], &data, &length))
      return throw_type(env, "sendMany: every message must be a Uint8Array");
    int rc;
    do rc = raw_mq_send((mqd_t)fd, data, length, priority);
    while (rc != 0 && errno == EINTR);
    if (rc != 0) {
      if (errno == EAGAIN) break;
      /* Report what went out before the failure through the count, so nothing is resent. */
      if (i > 2) break;
      return throw_errno(env, errno, "mq_send");
    }
  }
  napi_value result;
  napi_create_uint32(env, (uint32_t)(i - 2), &result);
  return result;
}

/*
 * receiveMany(fd, slab: Uint8Array, offset, max, messageSize, meta: Uint32Array) -> count
 *
 * Receives up to `max` messages, each straight into the slab (no copy later): message k lands
 * at the 8-byte-aligned offset after message k-1; meta[2k] = its length, meta[2k+1] = its
 * priority. Stops early when the queue is empty or the slab has no room for one more message
 * of the queue's messageSize (mq_receive insists on a buffer that large). receive() is this
 * with max = 1.
 */
static napi_value mq_receive_many_js(napi_env env, napi_callback_info info) {
  ARGS(6);
  int32_t fd, offset, max, msgsize;
  uint8_t* slab;
  size_t slab_len, meta_len;
  uint32_t* meta;
  if (!get_int(env, argv[0], &fd) || !get_bytes(env, argv[1], &slab, &slab_len) || !get_int(env, argv[2], &offset) ||
      !get_int(env, argv[3], &max) || !get_int(env, argv[4], &msgsize) ||
      !get_u32_array(env, argv[5], &meta, &meta_len))
    return throw_type(env, "receiveMany(fd, Uint8Array, offset, max, messageSize, Uint32Array)");
  if (offset < 0 || max < 0 || msgsize <= 0) return throw_type(env, "receiveMany: bad offset, max or messageSize");
  if ((size_t)max * 2 > meta_len) max = (int32_t)(meta_len / 2);
  size_t at = (size_t)offset;
  int32_t n = 0;
  while (n < max && at + (size_t)msgsize <= slab_len) {
    unsigned int priority;
    ssize_t got;
    do got = raw_mq_receive((mqd_t)fd, slab + at, (size_t)msgsize, &priority);
    while (got < 0 && errno == EINTR);
    if (got < 0) {
      if (errno == EAGAIN || n > 0) break;
      return throw_errno(env, errno, "mq_receive");
    }
    meta[2 * n] = (uint32_t)got;
    meta[2 * n + 1] = priority;
    n++;
    at = (at + (size_t)got + 7) & ~(size_t)7;
  }
  napi_value result;
  napi_create_int32(env, n, &result);
  return result;
}

/*
 * receive(fd, slab: ArrayBuffer, offset) -> -1 when the queue is empty, else
 * priority * 2^25 + length: one message into slab[offset..], both results in one number (a
 * length is at most 16 MiB, HARD_MSGSIZEMAX, and a priority below 2^15), so the hot path
 * touches no second typed array; with priority 0 the result is the length itself, a small
 * integer. The caller leaves at least the queue's messageSize bytes after offset (mq_receive
 * refuses a smaller buffer with EMSGSIZE); passing the rest of the slab as the buffer saves an
 * argument, and an ArrayBuffer is cheaper to look into than a typed array.
 */
static napi_value mq_receive_js(napi_env env, napi_callback_info info) {
  ARGS(3);
  int32_t fd, offset;
  void* slab;
  size_t slab_len;
  if (!get_int(env, argv[0], &fd) || napi_get_arraybuffer_info(env, argv[1], &slab, &slab_len) != napi_ok ||
      !get_int(env, argv[2], &offset) || offset < 0 || (size_t)offset >= slab_len)
    return throw_type(env, "receive(fd, ArrayBuffer, offset) with room after offset");
  unsigned int priority;
  ssize_t got;
  do got = raw_mq_receive((mqd_t)fd, (char*)slab + offset, slab_len - (size_t)offset, &priority);
  while (got < 0 && errno == EINTR);
  if (got < 0 && errno != EAGAIN) return throw_errno(env, errno, "mq_receive");
  napi_value result;
  if (got < 0)
    napi_create_int32(env, -1, &result);
  else if (priority == 0)
    napi_create_int32(env, (int32_t)got, &result); /* a small integer: no heap number */
  else
    napi_create_double(env, (double)priority * 33554432.0 + (double)got, &result);
  return result;
}

static napi_value init(napi_env env, napi_value exports) {
  napi_property_descriptor properties[] = {
      {"open", NULL, mq_open_js, NULL, NULL, NULL, napi_default, NULL},
      {"getattr", NULL, mq_getattr_js, NULL, NULL, NULL, napi_default, NULL},
      {"close", NULL, mq_close_js, NULL, NULL, NULL, napi_default, NULL},
      {"unlink", NULL, mq_unlink_js, NULL, NULL, NULL, napi_default, NULL},
      {"send", NULL, mq_send_js, NULL, NULL, NULL, napi_default, NULL},
      {"sendMany", NULL, mq_send_many_js, NULL, NULL, NULL, napi_default, NULL},
      {"receive", NULL, mq_receive_js, NULL, NULL, NULL, napi_default, NULL},
      {"receiveMany", NULL, mq_receive_many_js, NULL, NULL, NULL, napi_default, NULL},
      {"pollCreate", NULL, poll_create_js, NULL, NULL, NULL, napi_default, NULL},
      {"pollStart", NULL, poll_start_js, NULL, NULL, NULL, napi_default, NULL},
      {"pollClose", NULL, poll_close_js, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof properties / sizeof properties[0], properties);
  return exports;
}

NAPI_MODULE(NODE_GYP_MODULE_NAME, init)
