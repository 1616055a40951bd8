/* Native ceiling: a stream Unix domain socket bound to a path (listen, connect, accept). */
#include "bench.h"
#include "stream.h"
#include <sys/socket.h>
#include <sys/un.h>

static const char *MECHANISM = "unix-socket";

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  if (private_path(m, "s", index, reason, reason_len) < 0) return -1;
  struct sockaddr_un addr = {.sun_family = AF_UNIX};
  strncpy(addr.sun_path, m->path, sizeof addr.sun_path - 1);
  int server = socket(AF_UNIX, SOCK_STREAM, 0);
  int client = socket(AF_UNIX, SOCK_STREAM, 0);
  int accepted = -1;
  if (server < 0 || client < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 1) < 0 ||
      connect(client, (struct sockaddr *)&addr, sizeof addr) < 0 || (accepted = accept(server, NULL, NULL)) < 0) {
    snprintf(reason, reason_len, "unix socket: %s", strerror(errno));
    remove_private_path(m);
    return -1;
  }
  close(server);
  remove_private_path(m); /* connected: the path is not needed any more */
  /* The producer writes on the connecting socket, the consumer reads the accepted one. */
  m->wfd = client;
  m->rfd = accepted;
  stream_init(m, size);
  return 0;
}

STREAM_MEDIUM
