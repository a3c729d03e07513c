/* What sys.c and tcpcheck.c share: the addon is one module built from both. */
#ifndef SVKIT_TCPCHECK_H
#define SVKIT_TCPCHECK_H
#include <node_api.h>

/* Throws errno as an Error whose code is the errno name (sys.c). */
napi_value svkit_throw_errno(napi_env env, const char *syscall);
/* Adds tcpResults, tcpConnect, tcpCancel and tcpAddress to exports (tcpcheck.c). */
void tcpcheck_init(napi_env env, napi_value exports);
#endif
