/* Native ceiling: a FIFO made with mkfifo(3) in a private temporary directory. */
#include "bench.h"
#include "stream.h"
#include <sys/stat.h>

static const char *MECHANISM = "fifo";

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  if (private_path(m, "fifo", index, reason, reason_len) < 0) return -1;
  if (mkfifo(m->path, 0600) < 0) {
    snprintf(reason, reason_len, "mkfifo: %s", strerror(errno));
    remove_private_path(m);
    return -1;
  }
  /* Open both ends here (a non-blocking read end first, so opening the write end does not
   * wait for a reader); each process keeps one end. The FIFO's name is not needed after. */
  m->rfd = open(m->path, O_RDONLY | O_NONBLOCK);
  m->wfd = m->rfd < 0 ? -1 : open(m->path, O_WRONLY);
  int failed = m->rfd < 0 || m->wfd < 0;
  if (failed) snprintf(reason, reason_len, "open fifo: %s", strerror(errno));
  remove_private_path(m);
  if (failed) return -1;
  fcntl(m->rfd, F_SETFL, fcntl(m->rfd, F_GETFL) & ~O_NONBLOCK); /* the design decides (stream_init) */
  stream_init(m, size);
  return 0;
}

STREAM_MEDIUM
