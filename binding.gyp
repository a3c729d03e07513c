{
  "targets": [
    {
      "target_name": "svkit_sys",
      "sources": ["packages/core/native/sys.c", "packages/core/native/tcpcheck.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
