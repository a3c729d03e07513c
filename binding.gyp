{
  "targets": [
    {
      "target_name": "svkit_sys",
      "sources": ["packages/core/native/sys.c"],
      "cflags": ["-O2", "-Wall"]
    }
  ]
}
