/* Native ceiling: a stream Unix domain socket bound to a path (listen, connect, accept). */
#include <sys/socket.h>
#include <sys/un.h>
#include "bench.h"

static const char *MECHANISM = "unix-socket";

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  char dir[] = "/tmp/ipc-atlas-native-XXXXXX";
  if (!mkdtemp(dir)) {
    snprintf(reason, reason_len, "mkdtemp: %s", strerror(errno));
    return -1;
  }
  snprintf(m->path, sizeof m->path, "%s/s%d", dir, index);
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, m->path, sizeof addr.sun_path - 1);
  int server = socket(AF_UNIX, SOCK_STREAM, 0);
  int client = socket(AF_UNIX, SOCK_STREAM, 0);
  if (server < 0 || client < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 1) < 0 ||
      connect(client, (struct sockaddr *)&addr, sizeof addr) < 0) {
    snprintf(reason, reason_len, "unix socket: %s", strerror(errno));
    return -1;
  }
  int accepted = accept(server, NULL, NULL);
  if (accepted < 0) {
    snprintf(reason, reason_len, "accept: %s", strerror(errno));
    return -1;
  }
  close(server);
  /* The producer writes on the connecting socket, the consumer reads the accepted one. */
  m->wfd = client;
  m->rfd = accepted;
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
