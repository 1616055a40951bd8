/*
 * --pin for the native ceilings: the consumer on the first CPU this process may use, the
 * producer on the second, as the harness places the Node pairs. Included by bench.h (which
 * provides die() and the system headers).
 */
static int pin_cpu[2] = {-1, -1}; /* producer's, consumer's; -1 when not pinned */
static char pin_note[128];

/* Picks the first two CPUs this process may run on, the first for the consumer (as the harness
 * does with the Node pairs); fills pin_note when there are fewer. */
static void pin_choose(void) {
  cpu_set_t set;
  if (sched_getaffinity(0, sizeof set, &set) < 0) {
    snprintf(pin_note, sizeof pin_note, "sched_getaffinity: %s", strerror(errno));
    return;
  }
  int found = 0;
  for (int cpu = 0; cpu < CPU_SETSIZE && found < 2; cpu++)
    if (CPU_ISSET(cpu, &set)) pin_cpu[1 - found++] = cpu;
  if (found < 2) {
    pin_cpu[0] = pin_cpu[1] = -1;
    snprintf(pin_note, sizeof pin_note, "only one CPU is available to this process");
  }
}

/* Called by each side right after fork (side 0 the producer or pinger). */
static void pin_self(int side) {
  if (pin_cpu[side] < 0) return;
  cpu_set_t set;
  CPU_ZERO(&set);
  CPU_SET(pin_cpu[side], &set);
  if (sched_setaffinity(0, sizeof set, &set) < 0) die("sched_setaffinity");
}
