/*
 * Byte streams for the native ceilings (pipe, fifo, unix-socket, tcp): each message travels
 * as a frame with the same 4-byte big-endian length prefix as core's framing, over a write
 * descriptor in the producer and a read descriptor in the consumer. Include after bench.h;
 * a mechanism then defines MECHANISM and medium_open (which calls stream_init) and writes
 * STREAM_MEDIUM for the rest.
 *
 * One-way, a stream gathers frames into writes of up to COALESCE_BYTES. A stream has no
 * message boundaries to keep, and the Node stream variants gather under load the same way
 * (a socket's writev of queued chunks, tcp writing every 8 KiB, NATS batching its publishes):
 * a ceiling that paid one write per message would be beaten by the Node rows it is meant to
 * bound. The send time is stamped before a frame waits in the buffer, so the latency includes
 * that wait. A round trip has one message in flight, so every frame is written at once.
 */

/* One-way byte streams write when the next frame would not fit in this many bytes. */
#define COALESCE_BYTES 8192

static void stream_init(struct medium *m, size_t size) {
  m->size = size;
  m->frame = malloc(size + 4);
  m->cap = (size + 4) * 4 > 262144 ? (size + 4) * 4 : 262144;
  m->buf = malloc(m->cap);
  m->wbuf = malloc(COALESCE_BYTES);
  if (!m->frame || !m->buf || !m->wbuf) die("malloc");
  design_fd(m->wfd);
  design_fd(m->rfd);
}

static int stream_flush(struct medium *m) {
  size_t n = m->wlen;
  m->wlen = 0;
  return n > 0 ? write_all(m->wfd, m->ep, m->wbuf, n) : 0;
}

static int stream_send(struct medium *m, const uint8_t *message, size_t len) {
  size_t n = len + 4;
  uint8_t *frame = m->frame;
  if (m->coalesce && n <= COALESCE_BYTES) {
    if (m->wlen + n > COALESCE_BYTES && stream_flush(m) < 0) return -1;
    frame = m->wbuf + m->wlen;
    m->wlen += n;
  } else if (stream_flush(m) < 0) { /* what waits goes first */
    return -1;
  }
  frame[0] = (uint8_t)(len >> 24);
  frame[1] = (uint8_t)(len >> 16);
  frame[2] = (uint8_t)(len >> 8);
  frame[3] = (uint8_t)len;
  memcpy(frame + 4, message, len);
  return frame == m->frame ? write_all(m->wfd, m->ep, frame, n) : 0;
}

static ssize_t stream_recv(struct medium *m, uint8_t *out, size_t cap) {
  for (;;) {
    size_t have = m->end - m->start;
    if (have >= 4) {
      const uint8_t *h = m->buf + m->start;
      size_t len = ((size_t)h[0] << 24) | ((size_t)h[1] << 16) | ((size_t)h[2] << 8) | h[3];
      if (len > cap || len + 4 > m->cap) {
        errno = EMSGSIZE;
        return -1;
      }
      if (have >= len + 4) {
        memcpy(out, h + 4, len);
        m->start += len + 4;
        return (ssize_t)len;
      }
    }
    if (m->start > 0) {
      memmove(m->buf, m->buf + m->start, have);
      m->start = 0;
      m->end = have;
    }
    ssize_t r;
    while ((r = read(m->rfd, m->buf + m->end, m->cap - m->end)) < 0)
      if (!again(m->ep)) return -1;
    if (r == 0) return 0;
    m->end += (size_t)r;
  }
}

static void stream_role(struct medium *m, int writer) {
  close(writer ? m->rfd : m->wfd);
  if (writer) m->rfd = -1;
  else m->wfd = -1;
  m->ep = writer ? waiter(m->wfd, EPOLLOUT) : waiter(m->rfd, EPOLLIN);
}

static void stream_end(struct medium *m) {
  if (stream_flush(m) < 0) die("send");
  close(m->wfd);
  m->wfd = -1;
}

/* A path named `name-<index>` in a new private directory (mode 0700), for a FIFO or a socket.
 * The directory's name carries the pid, so a test can tell this run's from another's. */
SHARED int private_path(struct medium *m, const char *name, int index, char *reason, size_t reason_len) {
  char dir[64];
  snprintf(dir, sizeof dir, "/tmp/ipc-atlas-c-%d-XXXXXX", (int)getpid());
  if (!mkdtemp(dir)) {
    snprintf(reason, reason_len, "mkdtemp: %s", strerror(errno));
    return -1;
  }
  snprintf(m->path, sizeof m->path, "%s/%s-%d", dir, name, index);
  return 0;
}

/* Removes a private path and its directory (once the descriptors are open, or on failure). */
SHARED void remove_private_path(struct medium *m) {
  if (!m->path[0]) return;
  unlink(m->path);
  char *slash = strrchr(m->path, '/');
  if (slash) *slash = 0;
  rmdir(m->path);
  m->path[0] = 0;
}

#define STREAM_MEDIUM                                                                                     \
  static void medium_role(struct medium *m, int writer) { stream_role(m, writer); }                      \
  static int medium_send(struct medium *m, const uint8_t *message, size_t len) {                         \
    return stream_send(m, message, len);                                                                 \
  }                                                                                                      \
  static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap) { return stream_recv(m, out, cap); } \
  static void medium_end(struct medium *m) { stream_end(m); }
