/* Native ceiling: an anonymous pipe (pipe(2)) between a parent and its forked child. */
#include "bench.h"

static const char *MECHANISM = "pipe";

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  (void)index;
  int fds[2];
  if (pipe(fds) < 0) {
    snprintf(reason, reason_len, "pipe: %s", strerror(errno));
    return -1;
  }
  m->rfd = fds[0];
  m->wfd = fds[1];
  stream_init(m, size);
  return 0;
}

static void medium_role(struct medium *m, int writer) { stream_role(m, writer); }
static int medium_send(struct medium *m, const uint8_t *message, size_t len) { return stream_send(m, message, len); }
static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap) { return stream_recv(m, out, cap); }
static void medium_end(struct medium *m) { stream_end(m); }
static void medium_remove(struct medium *m) { (void)m; }
