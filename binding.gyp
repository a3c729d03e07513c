{
  "targets": [
    {
      "target_name": "svkit_sys",
      "sources": ["packages/core/native/sys.c", "packages/core/native/jsvalues.c", "packages/core/native/fd.c", "packages/core/native/spawn.c", "packages/core/native/reap.c", "packages/core/native/proc.c", "packages/core/native/files.c", "packages/core/native/writes.c", "packages/core/native/watch.c", "packages/core/native/tcpcheck.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
