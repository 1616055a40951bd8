/* Native ceiling: a FIFO made with mkfifo(3) in a private temporary directory. */
#include <fcntl.h>
#include <sys/stat.h>
#include "bench.h"

static const char *MECHANISM = "fifo";

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  char dir[] = "/tmp/ipc-atlas-native-XXXXXX";
  if (!mkdtemp(dir)) {
    snprintf(reason, reason_len, "mkdtemp: %s", strerror(errno));
    return -1;
  }
  snprintf(m->path, sizeof m->path, "%s/fifo-%d", dir, index);
  if (mkfifo(m->path, 0600) < 0) {
    snprintf(reason, reason_len, "mkfifo: %s", strerror(errno));
    rmdir(dir);
    return -1;
  }
  /* Open both ends here (a non-blocking read end first, so opening the write end does not
   * wait for a reader), then make the read end blocking again; each process keeps one end. */
  m->rfd = open(m->path, O_RDONLY | O_NONBLOCK);
  m->wfd = m->rfd < 0 ? -1 : open(m->path, O_WRONLY);
  if (m->rfd < 0 || m->wfd < 0) {
    snprintf(reason, reason_len, "open fifo: %s", strerror(errno));
    return -1;
  }
  fcntl(m->rfd, F_SETFL, fcntl(m->rfd, F_GETFL) & ~O_NONBLOCK);
  stream_init(m, size);
  return 0;
}

static void medium_role(struct medium *m, int writer) { stream_role(m, writer); }
static int medium_send(struct medium *m, const uint8_t *message, size_t len) { return stream_send(m, message, len); }
static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap) { return stream_recv(m, out, cap); }
static void medium_end(struct medium *m) { stream_end(m); }

static void medium_remove(struct medium *m) {
  if (!m->path[0]) return;
  unlink(m->path);
  char *slash = strrchr(m->path, '/');
  if (slash) *slash = 0;
  rmdir(m->path);
}
