{
  "targets": [
    {
      "target_name": "posix_mq",
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": ["native/posix_mq.c", "native/poll.c"],
            "libraries": ["-lrt"],
            "cflags_c": ["-std=gnu11", "-O2", "-Wall", "-Wextra", "-Wno-unused-parameter"]
          },
          {
            "sources": ["native/unsupported.c"]
          }
        ]
      ]
    }
  ]
}
