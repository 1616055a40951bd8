/* Native ceiling: TCP over loopback (127.0.0.1, ephemeral port), Nagle off on both ends. */
#include "bench.h"
#include "stream.h"
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <arpa/inet.h>
#include <sys/socket.h>

static const char *MECHANISM = "tcp";

static int medium_open(struct medium *m, int index, size_t size, char *reason, size_t reason_len) {
  (void)index;
  struct sockaddr_in addr = {.sin_family = AF_INET, .sin_port = 0};
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  socklen_t len = sizeof addr;
  int server = socket(AF_INET, SOCK_STREAM, 0);
  int client = socket(AF_INET, SOCK_STREAM, 0);
  int accepted = -1;
  if (server < 0 || client < 0 || bind(server, (struct sockaddr *)&addr, sizeof addr) < 0 || listen(server, 1) < 0 ||
      getsockname(server, (struct sockaddr *)&addr, &len) < 0 ||
      connect(client, (struct sockaddr *)&addr, sizeof addr) < 0 || (accepted = accept(server, NULL, NULL)) < 0) {
    snprintf(reason, reason_len, "tcp: %s", strerror(errno));
    return -1;
  }
  close(server);
  int one = 1;
  setsockopt(client, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  setsockopt(accepted, IPPROTO_TCP, TCP_NODELAY, &one, sizeof one);
  m->wfd = client;
  m->rfd = accepted;
  stream_init(m, size);
  return 0;
}

STREAM_MEDIUM
