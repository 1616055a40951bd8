/*
 * The native ceiling: the ipc-atlas benchmark workload written in C, for one OS mechanism.
 * Each mechanism file (pipe.c, fifo.c, posix-mq.c, unix-socket.c, tcp.c) includes this
 * header and defines the medium_* functions; this header holds the shared workload and main().
 *
 * Same workload as the Node side (apps/harness/src/bench/workload.ts): messages of SIZE bytes,
 * bytes 0-3 a little-endian sequence number, 8-15 the send time from CLOCK_MONOTONIC (the
 * clock behind Node's process.hrtime); WARMUP messages, then MESSAGES measured ones (or until
 * MAX_SECONDS). Producer and consumer are two processes (fork). The consumer checks for lost,
 * duplicated and reordered messages and records one-way latency; byte streams carry the same
 * 4-byte big-endian length prefix as core's framing. One-way, a byte stream gathers frames
 * into writes of up to COALESCE_BYTES, as the Node stream variants do under load (tcp writes
 * every 8 KiB, NATS batches its publishes): a ceiling that wrote once per message would be
 * beaten by Node. The send time is stamped before a frame waits in the buffer, so the latency
 * includes that wait. Round-trip mode (ping-pong over two media) writes every frame at once.
 *
 * usage: <binary> one-way|round-trip SIZE WARMUP MESSAGES MAX_SECONDS
 * prints one JSON line: the figures, or {"notApplicable": "..."} when the medium cannot be made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HEADER_BYTES 16
/* Helpers that some mechanism files do not use (posix-mq has no byte stream). */
#define SHARED static __attribute__((unused))

struct medium {
  int wfd, rfd;     /* byte-stream media: write end, read end (-1 when closed) */
  int mq;           /* posix-mq: descriptor */
  char path[256];   /* fifo / socket / queue name, removed at the end */
  size_t size;      /* message size */
  uint8_t *frame;   /* stream send buffer: length prefix + message */
  uint8_t *buf;     /* stream read buffer */
  size_t cap, start, end;
  int coalesce;     /* byte streams, one-way: gather frames into wbuf (see COALESCE_BYTES) */
  uint8_t *wbuf;    /* frames not written yet */
  size_t wlen;
};

/* One-way byte streams write when the next frame would not fit in this many bytes. */
#define COALESCE_BYTES 8192

/* Defined by the mechanism file. */
static const char *MECHANISM;
/* Creates medium `index` in the parent before fork; -1 with `reason` filled when impossible. */
static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len);
/* After fork: keep only this process's end (writer != 0: the sending end). */
static void medium_role(struct medium *m, int writer);
static int medium_send(struct medium *m, const uint8_t *message, size_t len);
/* Copies the next message into `out`; returns its length, 0 at the end of the stream, -1 on error. */
static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap);
static void medium_end(struct medium *m);
static void medium_remove(struct medium *m);

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "native %s: %s: %s\n", MECHANISM, what, strerror(errno));
  exit(3);
}

/* ---- byte-stream helpers shared by pipe, fifo, unix-socket and tcp ---- */

SHARED void stream_init(struct medium *m, size_t size) {
  m->size = size;
  m->frame = malloc(size + 4);
  m->cap = (size + 4) * 4 > 262144 ? (size + 4) * 4 : 262144;
  m->buf = malloc(m->cap);
  m->wbuf = malloc(COALESCE_BYTES);
  m->start = m->end = m->wlen = 0;
  if (!m->frame || !m->buf || !m->wbuf) die("malloc");
}

SHARED int write_all(int fd, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w = write(fd, p, n);
    if (w < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

SHARED int stream_flush(struct medium *m) {
  size_t n = m->wlen;
  m->wlen = 0;
  return n > 0 ? write_all(m->wfd, m->wbuf, n) : 0;
}

SHARED int stream_send(struct medium *m, const uint8_t *message, size_t len) {
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
  return frame == m->frame ? write_all(m->wfd, frame, n) : 0;
}

SHARED ssize_t stream_recv(struct medium *m, uint8_t *out, size_t cap) {
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
    ssize_t r = read(m->rfd, m->buf + m->end, m->cap - m->end);
    if (r < 0) {
      if (errno == EINTR) continue;
      return -1;
    }
    if (r == 0) return 0;
    m->end += (size_t)r;
  }
}

SHARED void stream_role(struct medium *m, int writer) {
  if (writer) {
    close(m->rfd);
    m->rfd = -1;
  } else {
    close(m->wfd);
    m->wfd = -1;
  }
}

SHARED void stream_end(struct medium *m) {
  if (stream_flush(m) < 0) die("send");
  close(m->wfd);
  m->wfd = -1;
}

/* A path named `name-<index>` in a new private directory (mode 0700), for a FIFO or a socket. */
SHARED int private_path(struct medium *m, const char *name, int index, char *reason, size_t reason_len) {
  char dir[] = "/tmp/ipc-atlas-native-XXXXXX";
  if (!mkdtemp(dir)) {
    snprintf(reason, reason_len, "mkdtemp: %s", strerror(errno));
    return -1;
  }
  snprintf(m->path, sizeof m->path, "%s/%s-%d", dir, name, index);
  return 0;
}

/* Removes a private path and its directory; nothing for media without one. */
SHARED void remove_private_path(struct medium *m) {
  if (!m->path[0]) return;
  unlink(m->path);
  char *slash = strrchr(m->path, '/');
  if (slash) *slash = 0;
  rmdir(m->path);
}

/* A byte-stream mechanism defines only MECHANISM and medium_open (which calls stream_init):
 * this expands to the rest, the shared framing over its two descriptors. */
#define STREAM_MEDIUM                                                                                     \
  static void medium_role(struct medium *m, int writer) { stream_role(m, writer); }                      \
  static int medium_send(struct medium *m, const uint8_t *message, size_t len) {                         \
    return stream_send(m, message, len);                                                                 \
  }                                                                                                      \
  static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap) { return stream_recv(m, out, cap); } \
  static void medium_end(struct medium *m) { stream_end(m); }                                            \
  static void medium_remove(struct medium *m) { remove_private_path(m); }

/* ---- the workload ---- */

struct report {
  uint64_t sent, measured_sent, received, distinct, measured_received, duplicated, reordered, corrupt;
  uint64_t start_ns, last_ns;
  uint64_t p50, p99, p999, max;
  double user_ms, system_ms;
  long max_rss_kib;
};

struct checker {
  uint8_t *seen;
  size_t len;
  int64_t highest;
  uint64_t distinct, duplicated, reordered;
  uint64_t *lat;
  size_t nlat, caplat;
};

static int check(struct checker *c, uint32_t seq) {
  if (seq >= c->len) {
    size_t n = c->len ? c->len : 4096;
    while (n <= seq) n *= 2;
    c->seen = realloc(c->seen, n);
    if (!c->seen) die("realloc");
    memset(c->seen + c->len, 0, n - c->len);
    c->len = n;
  }
  if (c->seen[seq]) {
    c->duplicated++;
    return 0;
  }
  c->seen[seq] = 1;
  c->distinct++;
  if ((int64_t)seq < c->highest) c->reordered++;
  else c->highest = seq;
  return 1;
}

static void record(struct checker *c, uint64_t ns) {
  if (c->nlat == c->caplat) {
    c->caplat = c->caplat ? c->caplat * 2 : 65536;
    c->lat = realloc(c->lat, c->caplat * sizeof(uint64_t));
    if (!c->lat) die("realloc");
  }
  c->lat[c->nlat++] = ns;
}

static int cmp_u64(const void *a, const void *b) {
  uint64_t x = *(const uint64_t *)a, y = *(const uint64_t *)b;
  return x < y ? -1 : x > y;
}

static uint64_t percentile(struct checker *c, double p) {
  if (c->nlat == 0) return 0;
  size_t i = (size_t)(p / 100.0 * (double)c->nlat + 0.999999);
  if (i == 0) i = 1;
  if (i > c->nlat) i = c->nlat;
  return c->lat[i - 1];
}

static void summarise(struct checker *c, struct report *r) {
  qsort(c->lat, c->nlat, sizeof(uint64_t), cmp_u64);
  r->p50 = percentile(c, 50);
  r->p99 = percentile(c, 99);
  r->p999 = percentile(c, 99.9);
  r->max = c->nlat ? c->lat[c->nlat - 1] : 0;
  r->distinct = c->distinct;
  r->duplicated = c->duplicated;
  r->reordered = c->reordered;
}

static void cpu_mark(struct rusage *u) { getrusage(RUSAGE_SELF, u); }

static void cpu_since(const struct rusage *a, struct report *r) {
  struct rusage b;
  getrusage(RUSAGE_SELF, &b);
  r->user_ms = (double)(b.ru_utime.tv_sec - a->ru_utime.tv_sec) * 1e3 + (double)(b.ru_utime.tv_usec - a->ru_utime.tv_usec) / 1e3;
  r->system_ms = (double)(b.ru_stime.tv_sec - a->ru_stime.tv_sec) * 1e3 + (double)(b.ru_stime.tv_usec - a->ru_stime.tv_usec) / 1e3;
  r->max_rss_kib = b.ru_maxrss;
}

static void stamp(uint8_t *msg, uint32_t seq) {
  uint64_t t = now_ns();
  msg[0] = (uint8_t)seq;
  msg[1] = (uint8_t)(seq >> 8);
  msg[2] = (uint8_t)(seq >> 16);
  msg[3] = (uint8_t)(seq >> 24);
  memcpy(msg + 8, &t, 8); /* x86-64 and arm64 are little-endian */
}

static uint32_t seq_of(const uint8_t *msg) {
  return (uint32_t)msg[0] | ((uint32_t)msg[1] << 8) | ((uint32_t)msg[2] << 16) | ((uint32_t)msg[3] << 24);
}

static uint64_t sent_of(const uint8_t *msg) {
  uint64_t t;
  memcpy(&t, msg + 8, 8);
  return t;
}

static uint8_t *filler(size_t size) {
  uint8_t *t = malloc(size);
  if (!t) die("malloc");
  for (size_t i = 0; i < size; i++) t[i] = (uint8_t)(0x61 + i % 26);
  memset(t, 0, HEADER_BYTES);
  return t;
}

static void produce(struct medium *m, size_t size, uint64_t warmup, uint64_t messages, double max_seconds, struct report *r) {
  uint8_t *msg = filler(size);
  m->coalesce = 1; /* one-way: byte streams gather frames (posix-mq ignores it) */
  uint32_t seq = 0;
  for (; seq < warmup; seq++) {
    stamp(msg, seq);
    if (medium_send(m, msg, size) < 0) die("send");
  }
  struct rusage u;
  cpu_mark(&u);
  r->start_ns = now_ns();
  uint64_t deadline = r->start_ns + (uint64_t)(max_seconds * 1e9);
  uint64_t measured = 0;
  while (measured < messages) {
    stamp(msg, seq);
    if (medium_send(m, msg, size) < 0) die("send");
    seq++;
    measured++;
    if ((measured & 63) == 0 && now_ns() > deadline) break;
  }
  medium_end(m);
  cpu_since(&u, r);
  r->sent = seq;
  r->measured_sent = measured;
}

static void consume(struct medium *m, size_t size, uint64_t warmup, struct report *r) {
  uint8_t *msg = malloc(size + 1);
  struct checker c = {0};
  c.highest = -1;
  struct rusage u;
  cpu_mark(&u);
  for (;;) {
    ssize_t n = medium_recv(m, msg, size + 1);
    if (n < 0) die("receive");
    if (n == 0) break;
    uint64_t t = now_ns();
    r->received++;
    r->last_ns = t;
    if ((size_t)n != size) {
      r->corrupt++;
      continue;
    }
    uint32_t seq = seq_of(msg);
    if (!check(&c, seq)) continue;
    if (seq >= warmup) {
      if (r->measured_received == 0) cpu_mark(&u);
      r->measured_received++;
      record(&c, t - sent_of(msg));
    }
  }
  cpu_since(&u, r);
  summarise(&c, r);
}

static void pinger(struct medium *out, struct medium *back, size_t size, uint64_t warmup, uint64_t messages, double max_seconds, struct report *r) {
  uint8_t *msg = filler(size);
  uint8_t *echo = malloc(size + 1);
  struct checker c = {0};
  c.highest = -1;
  struct rusage u;
  cpu_mark(&u);
  uint64_t total = warmup + messages, deadline = UINT64_MAX;
  uint32_t seq = 0;
  for (; seq < total; seq++) {
    if (seq == warmup) {
      cpu_mark(&u);
      r->start_ns = now_ns();
      deadline = r->start_ns + (uint64_t)(max_seconds * 1e9);
    }
    stamp(msg, seq);
    if (medium_send(out, msg, size) < 0) die("send");
    ssize_t n = medium_recv(back, echo, size + 1);
    uint64_t t = now_ns();
    if (n < 0) die("receive");
    if (n == 0) break;
    r->received++;
    r->last_ns = t;
    if ((size_t)n != size) {
      r->corrupt++;
      continue;
    }
    uint32_t e = seq_of(echo);
    if (!check(&c, e)) continue;
    if (e >= warmup) {
      r->measured_received++;
      record(&c, t - sent_of(echo));
    }
    if (seq >= warmup && ((seq - warmup + 1) & 63) == 0 && t > deadline) {
      seq++;
      break;
    }
  }
  medium_end(out);
  cpu_since(&u, r);
  r->sent = seq;
  r->measured_sent = seq > warmup ? seq - warmup : 0;
  summarise(&c, r);
}

static void ponger(struct medium *in, struct medium *back, size_t size, struct report *r) {
  uint8_t *msg = malloc(size + 1);
  struct rusage u;
  cpu_mark(&u);
  for (;;) {
    ssize_t n = medium_recv(in, msg, size + 1);
    if (n < 0) die("receive");
    if (n == 0) break;
    if (medium_send(back, msg, (size_t)n) < 0) die("send");
    r->received++;
  }
  medium_end(back);
  cpu_since(&u, r);
}

static void json_process(const char *role, const struct report *r) {
  printf("{\"role\":\"%s\",\"cpu\":{\"userMs\":%.3f,\"systemMs\":%.3f},\"maxRssKiB\":%ld}", role, r->user_ms, r->system_ms, r->max_rss_kib);
}

int main(int argc, char **argv) {
  if (argc != 6) {
    fprintf(stderr, "usage: %s one-way|round-trip SIZE WARMUP MESSAGES MAX_SECONDS\n", argv[0]);
    return 2;
  }
  int round_trip = strcmp(argv[1], "round-trip") == 0;
  size_t size = strtoull(argv[2], NULL, 10);
  uint64_t warmup = strtoull(argv[3], NULL, 10), messages = strtoull(argv[4], NULL, 10);
  double max_seconds = strtod(argv[5], NULL);
  if (size < HEADER_BYTES) {
    printf("{\"notApplicable\":\"messages must be at least %d bytes\"}\n", HEADER_BYTES);
    return 0;
  }
  struct medium media[2];
  memset(media, 0, sizeof media);
  int count = round_trip ? 2 : 1;
  char reason[512];
  for (int i = 0; i < count; i++) {
    media[i].wfd = media[i].rfd = media[i].mq = -1;
    if (medium_open(&media[i], i, size, reason, sizeof reason) < 0) {
      for (int j = 0; j <= i; j++) medium_remove(&media[j]); /* the failed one may have made a path */
      printf("{\"notApplicable\":\"%s\"}\n", reason);
      return 0;
    }
  }
  int results[2];
  if (pipe(results) < 0) die("pipe");
  fflush(stdout);
  pid_t pid = fork();
  if (pid < 0) die("fork");
  struct report mine, theirs;
  memset(&mine, 0, sizeof mine);
  memset(&theirs, 0, sizeof theirs);
  if (pid == 0) {
    close(results[0]);
    medium_role(&media[0], 0);
    if (round_trip) {
      medium_role(&media[1], 1);
      ponger(&media[0], &media[1], size, &theirs);
    } else {
      consume(&media[0], size, warmup, &theirs);
    }
    if (write_all(results[1], (const uint8_t *)&theirs, sizeof theirs) < 0) die("report");
    _exit(0);
  }
  close(results[1]);
  medium_role(&media[0], 1);
  if (round_trip) {
    medium_role(&media[1], 0);
    pinger(&media[0], &media[1], size, warmup, messages, max_seconds, &mine);
  } else {
    produce(&media[0], size, warmup, messages, max_seconds, &mine);
  }
  size_t got = 0;
  while (got < sizeof theirs) {
    ssize_t r = read(results[0], (uint8_t *)&theirs + got, sizeof theirs - got);
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) break;
    got += (size_t)r;
  }
  int status = 0;
  waitpid(pid, &status, 0);
  for (int i = 0; i < count; i++) medium_remove(&media[i]);
  if (got != sizeof theirs || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "native %s: the consumer process failed\n", MECHANISM);
    return 3;
  }
  const struct report *rx = round_trip ? &mine : &theirs;
  double seconds = (double)(rx->last_ns - mine.start_ns) / 1e9;
  double rate = seconds > 0 ? (double)rx->measured_received / seconds : 0;
  uint64_t lost = mine.sent > rx->distinct ? mine.sent - rx->distinct : 0;
  printf("{\"mechanism\":\"%s\",\"mode\":\"%s\",\"size\":%zu,\"sent\":%llu,\"measuredSent\":%llu,\"received\":%llu,"
         "\"measuredReceived\":%llu,\"lost\":%llu,\"duplicated\":%llu,\"reordered\":%llu,\"corrupt\":%llu,"
         "\"seconds\":%.6f,\"msgPerSec\":%.1f,\"mbPerSec\":%.3f,"
         "\"latencyUs\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f},\"processes\":[",
         MECHANISM, round_trip ? "round-trip" : "one-way", size, (unsigned long long)mine.sent,
         (unsigned long long)mine.measured_sent, (unsigned long long)rx->received,
         (unsigned long long)rx->measured_received, (unsigned long long)lost, (unsigned long long)rx->duplicated,
         (unsigned long long)rx->reordered, (unsigned long long)rx->corrupt, seconds, rate, rate * (double)size / 1e6,
         rx->p50 / 1e3, rx->p99 / 1e3, rx->p999 / 1e3, rx->max / 1e3);
  json_process(round_trip ? "pinger" : "producer", &mine);
  printf(",");
  json_process(round_trip ? "ponger" : "consumer", &theirs);
  printf("]}\n");
  return 0;
}
