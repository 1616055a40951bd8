/*
 * native-mq: the native ceiling for bench/throughput.ts. One process sends N messages of SIZE
 * bytes into a POSIX queue with blocking mq_send; another receives them with blocking
 * mq_receive. The consumer times from its first message to its last and prints JSON.
 *
 *   native-mq consumer <name> <count> [warmup] prints "ready", then {"count":…,"ns":…,"cpuNs":…}
 *   native-mq producer <name> <count> <size>   prints {"cpuNs":…} (CPU time of the sending loop)
 *
 * With a warm-up W, the producer is given count + W and the consumer times only the messages
 * after the first W (the same method as the Node side, where the JIT needs it).
 *   native-mq loop <name> <count> <size>       one process, non-blocking send then receive, count
 *                                              times: the cost of the calls without any waiting;
 *                                              prints {"ns":…} per send+receive, best of 5
 */
#include <fcntl.h>
#include <mqueue.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <time.h>

static long long now_ns(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return (long long)t.tv_sec * 1000000000LL + t.tv_nsec;
}

/* CPU time of this process (user + system), in ns. */
static long long cpu_ns(void) {
  struct rusage u;
  getrusage(RUSAGE_SELF, &u);
  return ((long long)u.ru_utime.tv_sec + u.ru_stime.tv_sec) * 1000000000LL +
         ((long long)u.ru_utime.tv_usec + u.ru_stime.tv_usec) * 1000LL;
}

int main(int argc, char **argv) {
  if (argc < 4) return 2;
  const char *role = argv[1], *name = argv[2];
  long count = atol(argv[3]);
  if (strcmp(role, "consumer") == 0) {
    mqd_t q = mq_open(name, O_RDONLY);
    if (q == (mqd_t)-1) { perror("mq_open"); return 1; }
    struct mq_attr attr;
    mq_getattr(q, &attr);
    char *buf = malloc((size_t)attr.mq_msgsize);
    printf("ready\n");
    fflush(stdout);
    long warmup = argc > 4 ? atol(argv[4]) : 0;
    long long first = 0, first_cpu = 0;
    unsigned long long bytes = 0;
    for (long i = 0; i < warmup + count; i++) {
      ssize_t got = mq_receive(q, buf, (size_t)attr.mq_msgsize, NULL);
      if (got < 0) { perror("mq_receive"); return 1; }
      if (i < warmup) continue;
      if (i == warmup) {
        first = now_ns();
        first_cpu = cpu_ns();
      }
      bytes += (unsigned long long)got;
    }
    long long ns = now_ns() - first, cpu = cpu_ns() - first_cpu;
    printf("{\"count\":%ld,\"ns\":%lld,\"cpuNs\":%lld,\"bytes\":%llu}\n", count, ns, cpu, bytes);
    return 0;
  }
  if (strcmp(role, "loop") == 0 && argc == 5) {
    size_t size = (size_t)atol(argv[4]);
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
  if (strcmp(role, "producer") == 0 && argc == 5) {
    size_t size = (size_t)atol(argv[4]);
    mqd_t q = mq_open(name, O_WRONLY);
    if (q == (mqd_t)-1) { perror("mq_open"); return 1; }
    char *buf = calloc(1, size ? size : 1);
    long long start_cpu = cpu_ns();
    for (long i = 0; i < count; i++) {
      memcpy(buf, &i, size < sizeof i ? size : sizeof i);
      if (mq_send(q, buf, size, 0) != 0) { perror("mq_send"); return 1; }
    }
    printf("{\"cpuNs\":%lld}\n", cpu_ns() - start_cpu);
    return 0;
  }
  return 2;
}
