/*
 * Native ceiling: a shared-memory ring between two processes. A POSIX shared-memory object
 * (shm_open with O_EXCL and mode 0600, ftruncate, mmap MAP_SHARED) holds a single-producer
 * single-consumer ring of length-prefixed records: a 4-byte length, then the message, wrapping
 * around the end of the ring. The producer publishes its byte counter `head` with a release
 * store after copying a record in; the consumer reads it with an acquire load, copies the
 * record out and publishes `tail` the same way, which frees the space. A length of 0 is the
 * end of the stream. No system call is needed while there is data or room.
 *
 * When the ring is empty (consumer) or full (producer) the designs differ:
 *   blocking  futex: the side raises its "waiting" flag, looks once more, and sleeps in
 *             FUTEX_WAIT on the flag; the other side, after publishing, sees the flag, clears
 *             it and calls FUTEX_WAKE. A seq_cst fence on both sides (store, fence, load)
 *             guarantees that one of them sees the other's store, so no wake-up is lost.
 *   epoll     the same flags, but the sleeper waits in epoll_wait on an eventfd (a doorbell)
 *             that the other side writes only when the flag says someone sleeps;
 *   spin      no flags and no system calls: look again until it changes.
 * The object's name is unlinked as soon as it is mapped: the forked consumer inherits the
 * mapping, and nothing is left in /dev/shm even when the pair is killed.
 */
#include "bench.h"
#include <stdatomic.h>
#include <linux/futex.h>
#include <sys/eventfd.h>
#include <sys/mman.h>
#include <sys/syscall.h>

static const char *MECHANISM = "shm-ring";

#define LINE 64 /* each shared counter on a cache line of its own: no false sharing */

struct ring {
  _Alignas(LINE) _Atomic uint64_t head;            /* bytes the producer has published */
  _Alignas(LINE) _Atomic uint64_t tail;            /* bytes the consumer has taken */
  _Alignas(LINE) _Atomic uint32_t consumer_waits;  /* 1: the consumer sleeps, or is about to */
  _Alignas(LINE) _Atomic uint32_t producer_waits;  /* 1: the producer sleeps, or is about to */
  _Alignas(LINE) uint8_t data[];
};

static void cpu_relax(void) {
#if defined(__x86_64__) || defined(__i386__)
  __builtin_ia32_pause();
#elif defined(__aarch64__)
  __asm__ __volatile__("yield");
#endif
}

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  /* Room for a few records and at least 256 KiB, like the byte streams' buffers. */
  size_t cap = 262144;
  while (cap < 4 * (size + 4)) cap *= 2;
  snprintf(m->path, sizeof m->path, "/ipc-atlas-native-%d-%d", (int)getpid(), index);
  int fd = shm_open(m->path, O_CREAT | O_EXCL | O_RDWR, 0600);
  if (fd < 0) {
    snprintf(reason, reason_len, "shm_open: %s", strerror(errno));
    return -1;
  }
  size_t bytes = sizeof(struct ring) + cap;
  void *p = ftruncate(fd, (off_t)bytes) < 0 ? MAP_FAILED : mmap(NULL, bytes, PROT_READ | PROT_WRITE, MAP_SHARED, fd, 0);
  if (p == MAP_FAILED) snprintf(reason, reason_len, "shared memory of %zu bytes: %s", bytes, strerror(errno));
  shm_unlink(m->path); /* always, at once: the mapping outlives the name */
  close(fd);
  if (p == MAP_FAILED) return -1;
  m->ring = p; /* a new object reads as zeros: empty ring, no one waiting */
  m->ring_cap = cap;
  m->size = size;
  /* The doorbells of the epoll design; non-blocking, because a woken side drains its own. */
  if (design == EPOLL &&
      ((m->bell_data = eventfd(0, EFD_NONBLOCK)) < 0 || (m->bell_space = eventfd(0, EFD_NONBLOCK)) < 0)) {
    snprintf(reason, reason_len, "eventfd: %s", strerror(errno));
    return -1;
  }
  return 0;
}

static void medium_role(struct medium *m, int writer) {
  if (design != EPOLL) return;
  /* Each side rings one bell (wfd) and sleeps on the other (rfd): the producer rings "data"
   * and waits for "space", the consumer the other way round. */
  m->wfd = writer ? m->bell_data : m->bell_space;
  m->rfd = writer ? m->bell_space : m->bell_data;
  m->ep = waiter(m->rfd, EPOLLIN);
}

/* Sleeps until `ready(m)` or the other side rings; the caller looks again after it returns. */
static void await(struct medium *m, _Atomic uint32_t *flag, int (*ready)(struct medium *)) {
  if (design == SPIN) {
    cpu_relax();
    return;
  }
  atomic_store_explicit(flag, 1, memory_order_relaxed);
  atomic_thread_fence(memory_order_seq_cst); /* the flag is visible before we look again */
  if (ready(m)) {
    atomic_store_explicit(flag, 0, memory_order_relaxed);
    return;
  }
  if (design == BLOCKING) {
    /* Returns at once when the flag was cleared in between (EAGAIN); any return means look again. */
    syscall(SYS_futex, (uint32_t *)flag, FUTEX_WAIT, 1, NULL, NULL, 0);
    return;
  }
  uint64_t rings;
  if (epoll_sleep(m->ep) < 0) die("epoll_wait");
  if (read(m->rfd, &rings, sizeof rings) < 0 && errno != EAGAIN) die("eventfd"); /* drained */
}

/* After publishing: wakes the other side if its flag says it sleeps (not in the spin design). */
static void ring_bell(struct medium *m, _Atomic uint32_t *flag) {
  if (design == SPIN) return;
  atomic_thread_fence(memory_order_seq_cst); /* our counter is visible before we read the flag */
  if (!atomic_load_explicit(flag, memory_order_relaxed)) return;
  atomic_store_explicit(flag, 0, memory_order_relaxed);
  if (design == BLOCKING) {
    syscall(SYS_futex, (uint32_t *)flag, FUTEX_WAKE, 1, NULL, NULL, 0);
    return;
  }
  uint64_t one = 1;
  if (write(m->wfd, &one, sizeof one) < 0 && errno != EAGAIN) die("eventfd");
}

/* Copies between the ring and a buffer, in two pieces when the record wraps around. */
static void ring_copy(struct medium *m, uint64_t at, uint8_t *buf, size_t n, int in) {
  size_t i = (size_t)(at & (m->ring_cap - 1)), first = n < m->ring_cap - i ? n : m->ring_cap - i;
  uint8_t *ring = m->ring->data;
  if (in) {
    memcpy(ring + i, buf, first);
    memcpy(ring, buf + first, n - first);
  } else {
    memcpy(buf, ring + i, first);
    memcpy(buf + first, ring, n - first);
  }
}

static int has_room(struct medium *m) {
  m->seen = atomic_load_explicit(&m->ring->tail, memory_order_acquire);
  return m->pos + m->need - m->seen <= m->ring_cap;
}

static int has_record(struct medium *m) {
  m->seen = atomic_load_explicit(&m->ring->head, memory_order_acquire);
  return m->seen != m->pos;
}

static int ring_put(struct medium *m, const uint8_t *message, uint32_t len) {
  m->need = 4 + (size_t)len;
  if (m->need > m->ring_cap) {
    errno = EMSGSIZE;
    return -1;
  }
  /* `seen` caches the consumer's tail: the shared line is read only when the ring looks full. */
  while (m->pos + m->need - m->seen > m->ring_cap && !has_room(m)) await(m, &m->ring->producer_waits, has_room);
  ring_copy(m, m->pos, (uint8_t *)&len, 4, 1);
  ring_copy(m, m->pos + 4, (uint8_t *)message, len, 1);
  m->pos += m->need;
  atomic_store_explicit(&m->ring->head, m->pos, memory_order_release);
  ring_bell(m, &m->ring->consumer_waits);
  return 0;
}

static int medium_send(struct medium *m, const uint8_t *message, size_t len) {
  return ring_put(m, message, (uint32_t)len);
}

static ssize_t medium_recv(struct medium *m, uint8_t *out, size_t cap) {
  /* A record is published whole, so a visible length means a visible message. */
  while (m->seen == m->pos && !has_record(m)) await(m, &m->ring->consumer_waits, has_record);
  uint32_t len;
  ring_copy(m, m->pos, (uint8_t *)&len, 4, 0);
  if (len > cap) {
    errno = EMSGSIZE;
    return -1;
  }
  ring_copy(m, m->pos + 4, out, len, 0);
  m->pos += 4 + (uint64_t)len;
  atomic_store_explicit(&m->ring->tail, m->pos, memory_order_release);
  ring_bell(m, &m->ring->producer_waits);
  return (ssize_t)len;
}

static void medium_end(struct medium *m) {
  static const uint8_t none[1];
  if (ring_put(m, none, 0) < 0) die("send");
}
