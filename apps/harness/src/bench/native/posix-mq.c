/*
 * Native ceiling: a POSIX message queue (mq_open/mq_send/mq_receive). The queue holds 10
 * messages (Linux's default msg_max) of exactly the message size; the end of the stream is a
 * one-byte message, like the in-band END marker the Node variant uses.
 */
#include <fcntl.h>
#include <mqueue.h>
#include "bench.h"

static const char *MECHANISM = "posix-mq";

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  snprintf(m->path, sizeof m->path, "/ipc-atlas-native-%d-%d", (int)getpid(), index);
  struct mq_attr attr = {.mq_maxmsg = 10, .mq_msgsize = (long)size};
  mqd_t q = mq_open(m->path, O_CREAT | O_EXCL | O_RDWR, 0600, &attr);
  if (q == (mqd_t)-1) {
    snprintf(reason, reason_len, "mq_open with mq_msgsize %zu: %s (see /proc/sys/fs/mqueue/msgsize_max)", size,
             strerror(errno));
    m->path[0] = 0;
    return -1;
  }
  m->mq = (int)q;
  m->size = size;
  return 0;
}

static void medium_role(struct medium *m, int writer) { (void)m, (void)writer; }

static int medium_send(struct medium *m, const uint8_t *message, size_t len) {
  while (mq_send((mqd_t)m->mq, (const char *)message, len, 0) < 0) {
    if (errno != EINTR) return -1;
  }
  return 0;
}

static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap) {
  (void)cap;
  for (;;) {
    ssize_t n = mq_receive((mqd_t)m->mq, (char *)out, m->size, NULL);
    if (n < 0 && errno == EINTR) continue;
    if (n == 1) return 0; /* the end marker */
    return n;
  }
}

static void medium_end(struct medium *m) {
  const char end = 1;
  medium_send(m, (const uint8_t *)&end, 1);
}

static void medium_remove(struct medium *m) {
  if (m->path[0]) mq_unlink(m->path);
}
