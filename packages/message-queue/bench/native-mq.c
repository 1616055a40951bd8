/*
 * native-mq: the native ceiling for bench/throughput.ts. One process sends messages of SIZE
 * bytes into a POSIX queue with blocking mq_send; another receives them with blocking
 * mq_receive. Exactly the work of the Node pair (bench/mq-peer.ts): the producer writes the
 * message's sequence number into its first 8 bytes, the consumer checks every one.
 *
 *   native-mq consumer <name> <count> <warmup>     prints "ready", then one JSON line:
 *       {"count":…,"ns":…,"cpuNs":…,"csw":…,"bytes":…} over the <count> messages after the
 *       first <warmup> (the same method as the Node side, where the JIT needs it)
 *   native-mq producer <name> <count> <size>       sends <count> messages (warm-up included),
 *       prints {"cpuNs":…,"csw":…} for the sending loop
 *   native-mq loop <name> <count> <size>           one process, non-blocking send then receive,
 *       count times: the cost of the calls without any waiting; prints {"ns":…} per
 *       send+receive, best of 5
 *
 * csw is the number of context switches (voluntary + involuntary, getrusage) in the window.
 *
 * With MQ_EPOLL=2 in the environment both roles use this package's design instead, in C: the
 * queue opened O_NONBLOCK, the syscall tried first, and on EAGAIN the queue registered with
 * epoll (EPOLL_CTL_ADD), one epoll_wait, and EPOLL_CTL_DEL, so a busy stream has no epoll
 * entry on the queue's wait queue. It separates what the design costs from what Node costs.
 * MQ_EPOLL=1 keeps the queue registered all the time (level-triggered, never removed), like
 * a poll handle left armed between waits: every send and receive then calls the entry back
 * (docs/notes/epoll-cost.md).
 */
#include <errno.h>
#include <fcntl.h>
#include <mqueue.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/resource.h>
#include <time.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* CPU time of this process (user + system) in ns, and its context switches so far. */
static long long cpu_ns(long long* csw) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  *csw = u.ru_nvcsw + u.ru_nivcsw;
  return ((long long)u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL +
         ((long long)u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
}

static int use_epoll, epfd = -1, only_while_waiting, queue_fd;
static unsigned wait_events;

/* Opens the queue, non-blocking and registered with an epoll set when MQ_EPOLL=1. */
static mqd_t open_queue(const char* name, int flags, unsigned events) {
  const char* mode = getenv("MQ_EPOLL");
  use_epoll = mode != NULL && (strcmp(mode, "1") == 0 || strcmp(mode, "2") == 0);
  only_while_waiting = use_epoll && strcmp(mode, "2") == 0;
  mqd_t q = mq_open(name, flags | (use_epoll ? O_NONBLOCK : 0));
  if (q == (mqd_t)-1 || !use_epoll) return q;
  epfd = epoll_create1(0);
  queue_fd = (int)q;
  wait_events = events;
  struct epoll_event e = {.events = events, .data = {.fd = (int)q}};
  if (epfd < 0 || (!only_while_waiting && epoll_ctl(epfd, EPOLL_CTL_ADD, (int)q, &e) != 0)) return (mqd_t)-1;
  return q;
}

/* With MQ_EPOLL: the call would block, so wait for readiness (and then try again). */
static int wait_ready(void) {
  struct epoll_event e = {.events = wait_events, .data = {.fd = queue_fd}};
  if (only_while_waiting && epoll_ctl(epfd, EPOLL_CTL_ADD, queue_fd, &e) != 0) return -1;
  int n;
  do n = epoll_wait(epfd, &e, 1, -1);
  while (n < 0 && errno == EINTR);
  if (only_while_waiting && epoll_ctl(epfd, EPOLL_CTL_DEL, queue_fd, &e) != 0) return -1;
  return n < 0 ? -1 : 0;
}

int main(int argc, char** argv) {
  if (argc < 5) return 2;
  const char *role = argv[1], *name = argv[2];
  long count = atol(argv[3]);
  if (strcmp(role, "consumer") == 0) {
    long warmup = atol(argv[4]);
    mqd_t q = open_queue(name, O_RDONLY, EPOLLIN);
    if (q == (mqd_t)-1) { perror("mq_open"); return 1; }
    struct mq_attr attr;
    mq_getattr(q, &attr);
    char* buf = malloc((size_t)attr.mq_msgsize);
    printf("ready\n");
    fflush(stdout);
    long long first = 0, first_cpu = 0, first_csw = 0;
    unsigned long long bytes = 0;
    for (long i = 0; i < warmup + count; i++) {
      ssize_t got = mq_receive(q, buf, (size_t)attr.mq_msgsize, NULL);
      while (got < 0 && use_epoll && errno == EAGAIN) {
        if (wait_ready() != 0) { perror("epoll_wait"); return 1; }
        got = mq_receive(q, buf, (size_t)attr.mq_msgsize, NULL);
      }
      if (got < 0) { perror("mq_receive"); return 1; }
      uint64_t seq = 0;
      memcpy(&seq, buf, got < 8 ? (size_t)got : 8);
      if (got >= 8 && seq != (uint64_t)i) {
        fprintf(stderr, "message %ld carries sequence number %llu\n", i, (unsigned long long)seq);
        return 1;
      }
      if (i == warmup) {
        first = now_ns();
        first_cpu = cpu_ns(&first_csw);
      }
      if (i >= warmup) bytes += (unsigned long long)got;
    }
    long long csw, ns = now_ns() - first, cpu = cpu_ns(&csw) - first_cpu;
    printf("{\"count\":%ld,\"ns\":%lld,\"cpuNs\":%lld,\"csw\":%lld,\"bytes\":%llu}\n", count, ns, cpu,
           csw - first_csw, bytes);
    return 0;
  }
  size_t size = (size_t)atol(argv[4]);
  if (strcmp(role, "loop") == 0) {
    mqd_t q = mq_open(name, O_RDWR | O_NONBLOCK);
    if (q == (mqd_t)-1) { perror("mq_open"); return 1; }
    struct mq_attr attr;
    mq_getattr(q, &attr);
    char *out = calloc(1, size ? size : 1), *in = malloc((size_t)attr.mq_msgsize);
    double best = 1e18;
    for (int round = 0; round < 5; round++) {
      long long start = now_ns();
      for (long i = 0; i < count; i++) {
        unsigned prio;
        if (mq_send(q, out, size, 0) != 0 || mq_receive(q, in, (size_t)attr.mq_msgsize, &prio) < 0) {
          perror("loop");
          return 1;
        }
      }
      double per = (double)(now_ns() - start) / (double)count;
      if (per < best) best = per;
    }
    printf("{\"ns\":%.1f}\n", best);
    return 0;
  }
  if (strcmp(role, "producer") == 0) {
    mqd_t q = open_queue(name, O_WRONLY, EPOLLOUT);
    if (q == (mqd_t)-1) { perror("mq_open"); return 1; }
    char* buf = calloc(1, size > 8 ? size : 8);
    long long start_csw, start_cpu = cpu_ns(&start_csw);
    for (long i = 0; i < count; i++) {
      uint64_t seq = (uint64_t)i;
      memcpy(buf, &seq, size < 8 ? size : 8);
      int rc = mq_send(q, buf, size, 0);
      while (rc != 0 && use_epoll && errno == EAGAIN) {
        if (wait_ready() != 0) { perror("epoll_wait"); return 1; }
        rc = mq_send(q, buf, size, 0);
      }
      if (rc != 0) { perror("mq_send"); return 1; }
    }
    long long csw, cpu = cpu_ns(&csw) - start_cpu;
    printf("{\"cpuNs\":%lld,\"csw\":%lld}\n", cpu, csw - start_csw);
    return 0;
  }
  return 2;
}
