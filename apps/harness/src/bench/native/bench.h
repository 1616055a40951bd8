/*
 * The native ceiling: the ipc-atlas benchmark workload written in C, for one OS mechanism.
 * Each mechanism file (pipe.c, fifo.c, posix-mq.c, unix-socket.c, tcp.c, shm-ring.c) includes
 * this header and defines the medium_* functions; byte streams include stream.h for theirs.
 * This header holds the three designs' waiting, the shared workload and main().
 *
 * Same workload as the Node side (apps/harness/src/bench/workload.ts): messages of SIZE bytes,
 * bytes 0-3 a little-endian sequence number, 8-15 the send time from CLOCK_MONOTONIC (the
 * clock behind Node's process.hrtime); WARMUP messages, then MESSAGES measured ones (or until
 * MAX_SECONDS). Producer and consumer are two processes (fork). The consumer checks for lost,
 * duplicated and reordered messages and records latency. One-way, the producer sends as fast
 * as the medium takes; round trip, the pinger sends one message and waits for its echo from
 * the ponger over a second medium, so the rate is one over the round-trip time.
 *
 * DESIGN is how a side waits when the medium is full or empty:
 *   blocking  descriptors in blocking mode: the kernel puts the side to sleep;
 *   epoll     non-blocking descriptors; the call is tried first and only when it says EAGAIN
 *             does the side sleep in epoll_wait (the Node addon's design);
 *   spin      non-blocking descriptors retried at once: never sleeps, burns its CPU instead.
 * --pin puts the consumer on the first CPU this process may use and the producer on the second,
 * as the harness places the Node pairs.
 *
 * usage: <binary> one-way|round-trip SIZE WARMUP MESSAGES MAX_SECONDS blocking|epoll|spin [--pin]
 * prints one JSON line: the figures, or {"notApplicable": "..."} when the medium cannot be made.
 */
#define _GNU_SOURCE
#include <errno.h>
#include <fcntl.h>
#include <sched.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/prctl.h>
#include <sys/resource.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>

#define HEADER_BYTES 16
/* Helpers that some mechanism files do not use. */
#define SHARED static __attribute__((unused))

enum design { BLOCKING, EPOLL, SPIN };
static enum design design;
static const char *const design_names[] = {"blocking", "epoll", "spin"};

struct medium {
  int wfd, rfd;     /* the sending and receiving descriptors (-1 when closed or none) */
  int ep;           /* epoll design: this process's epoll instance watching its end, else -1 */
  char path[256];   /* fifo / socket path while it exists (removed before fork) */
  size_t size;      /* message size */
  /* byte streams (stream.h) */
  uint8_t *frame, *buf, *wbuf;
  size_t cap, start, end, wlen;
  int coalesce;     /* one-way: gather frames into wbuf (see stream.h) */
  /* shm-ring */
  struct ring *ring;
  size_t ring_cap;  /* bytes of record space, a power of two */
  uint64_t pos;     /* this side's own counter: bytes written (producer) or taken (consumer) */
  uint64_t seen;    /* the other side's counter as last read */
  uint64_t need;    /* producer: bytes of the record waiting for room */
  int bell_data, bell_space; /* eventfds: "a record is there", "space is free" */
};

/* Defined by the mechanism file. */
static const char *MECHANISM;
/* Creates medium `index` in the parent before fork; -1 with `reason` filled when impossible.
 * Names (fifo, socket path, queue, shm object) are removed as soon as the descriptors are
 * open, so nothing is left behind even when the pair is killed. */
static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len);
/* After fork: keep only this process's end (writer != 0: the sending end); sets m->ep. */
static void medium_role(struct medium *m, int writer);
static int medium_send(struct medium *m, const uint8_t *message, size_t len);
/* Copies the next message into `out`; returns its length, 0 at the end of the stream, -1 on error. */
static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap);
static void medium_end(struct medium *m);

static uint64_t now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (uint64_t)t.tv_sec * 1000000000ull + (uint64_t)t.tv_nsec;
}

static void die(const char *what) {
  fprintf(stderr, "native %s %s: %s: %s\n", MECHANISM, design_names[design], what, strerror(errno));
  exit(3);
}

/* ---- the designs: how a side waits ---- */

/* Non-blocking designs put every medium descriptor in O_NONBLOCK (before fork: the flag
 * belongs to the open file, which both processes share). */
SHARED void design_fd(int fd) {
  if (design != BLOCKING && fd >= 0 && fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK) < 0) die("O_NONBLOCK");
}

/* The epoll design's instance for this process's end of a medium: `fd` becomes ready for
 * `events` when the call that said EAGAIN can go on. -1 for the other designs. */
SHARED int waiter(int fd, uint32_t events) {
  if (design != EPOLL) return -1;
  int ep = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = events, .data.fd = fd};
  if (ep < 0 || epoll_ctl(ep, EPOLL_CTL_ADD, fd, &ev) < 0) die("epoll");
  return ep;
}

/* Sleeps in epoll_wait until the end watched by `ep` is ready. */
SHARED int epoll_sleep(int ep) {
  struct epoll_event ev;
  while (epoll_wait(ep, &ev, 1, -1) < 0)
    if (errno != EINTR) return -1;
  return 0;
}

/* After a call on a medium failed: 1 to try it again, 0 to give up (errno says why).
 * EAGAIN comes only in the non-blocking designs: spin tries again at once, epoll first
 * sleeps until the descriptor is ready. Use: while ((r = call) < 0 && again(m->ep)) {} */
SHARED int again(int ep) {
  if (errno == EINTR) return 1;
  if (errno != EAGAIN || design == BLOCKING) return 0;
  return design == SPIN || epoll_sleep(ep) == 0;
}

SHARED int write_all(int fd, int ep, const uint8_t *p, size_t n) {
  while (n > 0) {
    ssize_t w;
    while ((w = write(fd, p, n)) < 0)
      if (!again(ep)) return -1;
    p += w;
    n -= (size_t)w;
  }
  return 0;
}

#include "pin.h"

/* ---- the workload ---- */

struct report {
  uint64_t sent, measured_sent, received, distinct, measured_received, duplicated, reordered, corrupt;
  uint64_t start_ns, last_ns;
  uint64_t p50, p99, p999, max;
  double user_ms, system_ms;
  long max_rss_kib;
  int last_cpu;
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
  r->last_cpu = sched_getcpu();
}

/* Writes the sequence number and the send time into a message; returns that time. */
static uint64_t stamp(uint8_t *msg, uint32_t seq) {
  uint64_t t = now_ns();
  msg[0] = (uint8_t)seq;
  msg[1] = (uint8_t)(seq >> 8);
  msg[2] = (uint8_t)(seq >> 16);
  msg[3] = (uint8_t)(seq >> 24);
  memcpy(msg + 8, &t, 8); /* x86-64 and arm64 are little-endian */
  return t;
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

/* The receiving side's bookkeeping for one message `n` bytes long that arrived at `t`. */
static void arrived(struct checker *c, struct report *r, const uint8_t *msg, ssize_t n, size_t size, uint64_t warmup, uint64_t t) {
  r->received++;
  r->last_ns = t;
  if ((size_t)n != size) {
    r->corrupt++;
    return;
  }
  uint32_t seq = seq_of(msg);
  if (!check(c, seq) || seq < warmup) return;
  r->measured_received++;
  record(c, t - sent_of(msg));
}

/* The warm-up ends after `warmup` messages or `max_seconds`, whichever comes first (a spinning
 * pair that shares one CPU can be slow); the measured messages then start at sequence number
 * `warmup` all the same, so the receiver tells them apart without being told. */
static void produce(struct medium *m, size_t size, uint64_t warmup, uint64_t messages, double max_seconds, struct report *r) {
  uint8_t *msg = filler(size);
  m->coalesce = 1; /* one-way: byte streams gather frames (the others ignore it) */
  uint64_t limit = (uint64_t)(max_seconds * 1e9), deadline = now_ns() + limit;
  for (uint32_t seq = 0; seq < warmup && stamp(msg, seq) <= deadline; seq++) {
    if (medium_send(m, msg, size) < 0) die("send");
    r->sent++;
  }
  struct rusage u;
  cpu_mark(&u);
  r->start_ns = now_ns();
  deadline = r->start_ns + limit;
  for (uint32_t seq = (uint32_t)warmup; r->measured_sent < messages; seq++) {
    uint64_t t = stamp(msg, seq);
    if (medium_send(m, msg, size) < 0) die("send");
    r->sent++;
    r->measured_sent++;
    if (t > deadline) break;
  }
  medium_end(m);
  cpu_since(&u, r);
}

static void consume(struct medium *m, size_t size, uint64_t warmup, struct report *r) {
  uint8_t *msg = malloc(size + 1);
  struct checker c = {.highest = -1};
  struct rusage u;
  cpu_mark(&u);
  for (;;) {
    ssize_t n = medium_recv(m, msg, size + 1);
    if (n < 0) die("receive");
    if (n == 0) break;
    uint64_t before = r->measured_received;
    arrived(&c, r, msg, n, size, warmup, now_ns());
    if (before == 0 && r->measured_received == 1) cpu_mark(&u); /* the measured window starts */
  }
  cpu_since(&u, r);
  summarise(&c, r);
}

static void pinger(struct medium *out, struct medium *back, size_t size, uint64_t warmup, uint64_t messages, double max_seconds, struct report *r) {
  uint8_t *msg = filler(size);
  uint8_t *echo = malloc(size + 1);
  struct checker c = {.highest = -1};
  struct rusage u;
  uint64_t limit = (uint64_t)(max_seconds * 1e9), deadline = now_ns() + limit;
  uint32_t seq = 0;
  for (int measuring = 0;; seq++) {
    if (!measuring && (seq == warmup || now_ns() > deadline)) { /* the measured window starts */
      measuring = 1;
      seq = (uint32_t)warmup;
      cpu_mark(&u);
      r->start_ns = now_ns();
      deadline = r->start_ns + limit;
    }
    if (measuring && r->measured_sent == messages) break;
    stamp(msg, seq);
    if (medium_send(out, msg, size) < 0) die("send");
    r->sent++;
    r->measured_sent += (uint64_t)measuring;
    ssize_t n = medium_recv(back, echo, size + 1);
    uint64_t t = now_ns();
    if (n < 0) die("receive");
    if (n == 0) break;
    arrived(&c, r, echo, n, size, warmup, t);
    if (measuring && t > deadline) break;
  }
  medium_end(out);
  cpu_since(&u, r);
  summarise(&c, r);
}

static void ponger(struct medium *in, struct medium *back, size_t size, uint64_t warmup, struct report *r) {
  uint8_t *msg = malloc(size + 1);
  struct rusage u;
  cpu_mark(&u);
  for (int measuring = 0;;) {
    ssize_t n = medium_recv(in, msg, size + 1);
    if (n < 0) die("receive");
    if (n == 0) break;
    if (!measuring && n >= 4 && seq_of(msg) >= warmup) measuring = 1, cpu_mark(&u);
    if (medium_send(back, msg, (size_t)n) < 0) die("send");
    r->received++;
  }
  medium_end(back);
  cpu_since(&u, r);
}

/* ---- the pair ---- */

static pid_t child;

/* A consumer that dies early would leave the producer waiting forever on a queue or a ring
 * (a stream says EPIPE): the producer follows it. A normal exit (0) comes after the work. */
static void on_child_exit(int sig) {
  (void)sig;
  siginfo_t info = {0};
  if (waitid(P_PID, (id_t)child, &info, WEXITED | WNOHANG | WNOWAIT) == 0 && info.si_pid == child &&
      !(info.si_code == CLD_EXITED && info.si_status == 0)) {
    static const char text[] = "native: the consumer process failed\n";
    if (write(2, text, sizeof text - 1)) {}
    _exit(3);
  }
}

static void json_process(const char *role, pid_t pid, const struct report *r) {
  printf("{\"role\":\"%s\",\"pid\":%d,\"cpu\":{\"userMs\":%.3f,\"systemMs\":%.3f},\"maxRssKiB\":%ld,\"lastCpu\":%d}", role,
         (int)pid, r->user_ms, r->system_ms, r->max_rss_kib, r->last_cpu);
}

int main(int argc, char **argv) {
  int pin = argc == 8 && strcmp(argv[7], "--pin") == 0;
  int d = argc >= 7 ? (int)(sizeof design_names / sizeof *design_names) : -1;
  while (--d >= 0 && strcmp(argv[6], design_names[d]) != 0) {}
  if ((argc != 7 && !pin) || d < 0 || (strcmp(argv[1], "one-way") != 0 && strcmp(argv[1], "round-trip") != 0)) {
    fprintf(stderr, "usage: %s one-way|round-trip SIZE WARMUP MESSAGES MAX_SECONDS blocking|epoll|spin [--pin]\n", argv[0]);
    return 2;
  }
  design = (enum design)d;
  int round_trip = strcmp(argv[1], "round-trip") == 0;
  size_t size = strtoull(argv[2], NULL, 10);
  uint64_t warmup = strtoull(argv[3], NULL, 10), messages = strtoull(argv[4], NULL, 10);
  double max_seconds = strtod(argv[5], NULL);
  if (size < HEADER_BYTES) {
    printf("{\"notApplicable\":\"messages must be at least %d bytes\"}\n", HEADER_BYTES);
    return 0;
  }
  signal(SIGPIPE, SIG_IGN); /* a closed stream says EPIPE instead of killing the writer */
  if (pin) pin_choose();
  struct medium media[2];
  int count = round_trip ? 2 : 1;
  char reason[512];
  for (int i = 0; i < count; i++) {
    memset(&media[i], 0, sizeof media[i]);
    media[i].wfd = media[i].rfd = media[i].ep = media[i].bell_data = media[i].bell_space = -1;
    if (medium_open(&media[i], i, size, reason, sizeof reason) < 0) {
      printf("{\"notApplicable\":\"%s\"}\n", reason);
      return 0;
    }
  }
  int results[2];
  if (pipe(results) < 0) die("pipe");
  signal(SIGCHLD, on_child_exit);
  fflush(stdout);
  pid_t parent = getpid();
  child = fork();
  if (child < 0) die("fork");
  struct report mine, theirs;
  memset(&mine, 0, sizeof mine);
  memset(&theirs, 0, sizeof theirs);
  if (child == 0) {
    /* The consumer goes when the producer goes (killed by a timeout, say). */
    if (prctl(PR_SET_PDEATHSIG, SIGKILL) < 0 || getppid() != parent) _exit(3);
    signal(SIGCHLD, SIG_DFL);
    close(results[0]);
    pin_self(1);
    medium_role(&media[0], 0);
    if (round_trip) {
      medium_role(&media[1], 1);
      ponger(&media[0], &media[1], size, warmup, &theirs);
    } else {
      consume(&media[0], size, warmup, &theirs);
    }
    if (write_all(results[1], -1, (const uint8_t *)&theirs, sizeof theirs) < 0) die("report");
    _exit(0);
  }
  close(results[1]);
  pin_self(0);
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
  signal(SIGCHLD, SIG_DFL);
  int status = 0;
  waitpid(child, &status, 0);
  if (got != sizeof theirs || !WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    fprintf(stderr, "native %s %s: the consumer process failed\n", MECHANISM, design_names[design]);
    return 3;
  }
  const struct report *rx = round_trip ? &mine : &theirs;
  double seconds = (double)(rx->last_ns - mine.start_ns) / 1e9;
  double rate = seconds > 0 ? (double)rx->measured_received / seconds : 0;
  uint64_t lost = mine.sent > rx->distinct ? mine.sent - rx->distinct : 0;
  printf("{\"mechanism\":\"%s\",\"design\":\"%s\",\"mode\":\"%s\",\"size\":%zu,\"sent\":%llu,\"measuredSent\":%llu,"
         "\"received\":%llu,\"measuredReceived\":%llu,\"lost\":%llu,\"duplicated\":%llu,\"reordered\":%llu,"
         "\"corrupt\":%llu,\"seconds\":%.6f,\"msgPerSec\":%.1f,\"mbPerSec\":%.3f,"
         "\"latencyUs\":{\"p50\":%.2f,\"p99\":%.2f,\"p999\":%.2f,\"max\":%.2f},\"processes\":[",
         MECHANISM, design_names[design], round_trip ? "round-trip" : "one-way", size, (unsigned long long)mine.sent,
         (unsigned long long)mine.measured_sent, (unsigned long long)rx->received,
         (unsigned long long)rx->measured_received, (unsigned long long)lost, (unsigned long long)rx->duplicated,
         (unsigned long long)rx->reordered, (unsigned long long)rx->corrupt, seconds, rate, rate * (double)size / 1e6,
         rx->p50 / 1e3, rx->p99 / 1e3, rx->p999 / 1e3, rx->max / 1e3);
  json_process(round_trip ? "pinger" : "producer", getpid(), &mine);
  printf(",");
  json_process(round_trip ? "ponger" : "consumer", child, &theirs);
  if (pin_cpu[0] >= 0) printf("],\"pinned\":{\"producer\":%d,\"consumer\":%d},\"pinNote\":null}\n", pin_cpu[0], pin_cpu[1]);
  else if (pin) printf("],\"pinned\":null,\"pinNote\":\"%s\"}\n", pin_note);
  else printf("],\"pinned\":null,\"pinNote\":null}\n");
  return 0;
}
