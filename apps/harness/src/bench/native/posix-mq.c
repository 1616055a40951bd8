/*
 * Native ceiling: a POSIX message queue (mq_open/mq_send/mq_receive). The queue holds 10
 * messages (Linux's default msg_max) of exactly the message size; the end of the stream is a
 * one-byte message, like the in-band END marker the Node variant uses. On Linux a queue
 * descriptor is a file descriptor that epoll can watch (readable: a message is there;
 * writable: there is room), which is what the Node addon's design relies on.
 */
#include "bench.h"
#include <mqueue.h>

static const char *MECHANISM = "posix-mq";

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  snprintf(m->path, sizeof m->path, "/ipc-atlas-native-%d-%d", (int)getpid(), index);
  struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = (long)size};
  int flags = O_CREAT | O_EXCL | O_RDWR | (design == BLOCKING ? 0 : O_NONBLOCK);
  mqd_t q = mq_open(m->path, flags, 0600, &attr);
  if (q == (mqd_t)-1) {
    snprintf(reason, reason_len, "mq_open with mq_msgsize %zu: %s (see /proc/sys/fs/mqueue/msgsize_max)", size,
             strerror(errno));
    return -1;
  }
  mq_unlink(m->path); /* both processes share the open queue; its name is not needed */
  m->wfd = m->rfd = (int)q;
  m->size = size;
  return 0;
}

static void medium_role(struct medium *m, int writer) {
  /* Both roles keep the one descriptor; each waits for its own readiness. */
  m->ep = waiter(m->wfd, writer ? EPOLLOUT : EPOLLIN);
}

static int medium_send(struct medium *m, const uint8_t *message, size_t len) {
  while (mq_send((mqd_t)m->wfd, (const char *)message, len, 0) < 0)
    if (!again(m->ep)) return -1;
  return 0;
}

static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap) {
  (void)cap;
  ssize_t n;
  while ((n = mq_receive((mqd_t)m->rfd, (char *)out, m->size, NULL)) < 0)
    if (!again(m->ep)) return -1;
  return n == 1 ? 0 : n; /* one byte: the end marker */
}

static void medium_end(struct medium *m) {
  const char end = 1;
  if (medium_send(m, (const uint8_t *)&end, 1) < 0) die("send");
}
