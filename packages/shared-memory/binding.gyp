{
  "targets": [
    {
      "target_name": "shm_ring",
      "conditions": [
        [
          "OS=='linux'",
          {
            "sources": ["native/shm_ring.c"],
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
