/* What the addon's files share. It is one module (svkit_sys.node) built from sys.c, which
 * registers every room's functions, one file per concern (fd.c, spawn.c, reap.c, proc.c,
 * files.c, writes.c, watch.c, tcpcheck.c) and jsvalues.c, what they share. Errors are thrown (or passed
 * to a callback) as Error objects whose `code` is the errno name ("EAGAIN"), like Node's own fs
 * errors, so callers narrow them the same way. */
#ifndef SVKIT_H
#define SVKIT_H
#ifndef _GNU_SOURCE
#define _GNU_SOURCE
#endif
#include <errno.h>
#include <dirent.h>
#include <fcntl.h>
#include <grp.h>
#include <poll.h>
#include <pthread.h>
#include <signal.h>
#include <spawn.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <stdlib.h>
#include <stdio.h>
#include <string.h>
#include <sys/file.h>
#include <sys/prctl.h>
#include <stdbool.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <unistd.h>
#include <node_api.h>

/* jsvalues.c. Throws errno as an Error whose code is the errno name; returns NULL for the binding to return. */
napi_value svkit_throw_errno(napi_env env, const char *syscall);
/* The Error for ERR (an errno) of SYSCALL, naming PATH when it is not NULL: what a thread-pool
 * job hands its callback. */
napi_value svkit_errno_error(napi_env env, int err, const char *syscall, const char *path);
/* An int32 argument: 1 if V is one (stored in OUT), else 0. */
int svkit_arg_int(napi_env env, napi_value v, int *out);
/* Reads up to WANT arguments into ARGV; 1 if there are WANT of them and the first is an int32
 * (stored in OUT), else 0 (the binding then throws its usage). */
int svkit_int_args(napi_env env, napi_callback_info info, size_t want, napi_value *argv, int *out);
/* A JS string as a malloc'ed UTF-8 C string (caller frees), NULL if V is none or out of memory. */
char *svkit_get_string(napi_env env, napi_value v);

/* Creates and queues a thread-pool job named NAME (as async hooks see it). */
napi_async_work svkit_queue_work(napi_env env, const char *name, napi_async_execute_callback execute, napi_async_complete_callback complete, void *data);

/* One entry of a room's table of functions: the JS name and its C binding. */
#define SVKIT_FN(name, fn) {name, NULL, fn, NULL, NULL, NULL, napi_default, NULL}

/* Each room adds its functions to the module's exports. */
void svkit_define_fd(napi_env env, napi_value exports);
void svkit_define_spawn(napi_env env, napi_value exports);
void svkit_define_reap(napi_env env, napi_value exports);
void svkit_define_proc(napi_env env, napi_value exports);
void svkit_define_files(napi_env env, napi_value exports);
void svkit_define_writes(napi_env env, napi_value exports);
void svkit_define_watch(napi_env env, napi_value exports);
/* Adds tcpResults, tcpConnect, tcpCancel and tcpAddress to exports (tcpcheck.c). */
void tcpcheck_init(napi_env env, napi_value exports);
#endif
