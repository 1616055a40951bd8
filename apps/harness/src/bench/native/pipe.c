/* Native ceiling: an anonymous pipe (pipe(2)) between a parent and its forked child. */
#include "bench.h"
#include "stream.h"

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

STREAM_MEDIUM
