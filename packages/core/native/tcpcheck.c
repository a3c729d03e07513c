/* TCP connects for health/tcp on one thread of the addon's own, so a check costs a few system
 * calls and no Node socket: tcpConnect(id, sockaddr, timeoutMs) queues a non-blocking connect,
 * the thread watches every pending one with epoll against its deadline, and the results go back
 * in batches through a thread-safe function to the callback given to tcpResults(): an Int32Array
 * [id, code, id, code...], code 0 connected, an errno, TCP_TIMED_OUT or TCP_CANCELED. Every
 * tcpConnect gets exactly one result. A connect that hangs holds one descriptor until its deadline
 * or tcpCancel(id), never the main thread or libuv's pool (where it would stall file I/O).
 * Past 250 lines as one file: the thread, its two queues and the four bindings share one state. */
#define _GNU_SOURCE
#include <errno.h>
#include <netdb.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/eventfd.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>
#include <uv.h>
#include "svkit.h"

#define TCP_TIMED_OUT (-1)
#define TCP_CANCELED (-2)

typedef struct {
  int32_t id;
  int cancel;
  int timeout_ms;
  socklen_t len;
  struct sockaddr_storage addr;
} tcp_req;

typedef struct {
  int32_t id;
  int fd;
  int64_t deadline;
} tcp_pending;

typedef struct {
  /* shared, under mu */
  uv_mutex_t mu;
  tcp_req *in;
  size_t nin, capin;
  int32_t *out;
  size_t nout, capout;
  int stop;
  /* the thread's own */
  tcp_pending *pend;
  size_t npend, cappend;
  /* set once */
  /* libuv's thread (Node exports it): glibc's pthread_create would need glibc 2.34 */
  uv_thread_t thread;
  int efd, epfd;
  napi_threadsafe_function tsfn;
  /* main thread's own: connects without a result yet (the tsfn keeps Node alive while > 0) */
  size_t live;
} tcp_state;

static tcp_state *state;

static int64_t now_ms(void) {
  struct timespec ts;
  clock_gettime(CLOCK_MONOTONIC, &ts);
  return (int64_t)ts.tv_sec * 1000 + ts.tv_nsec / 1000000;
}

/* Room for N elements of SIZE bytes in *V: false when memory runs out. */
static int grow(void **v, size_t *cap, size_t n, size_t size) {
  if (n <= *cap) return 1;
  size_t c = *cap ? *cap : 64;
  while (c < n) c *= 2;
  void *g = realloc(*v, c * size);
  if (g == NULL) return 0;
  *v = g;
  *cap = c;
  return 1;
}

/* Results of this pass, handed over at once: one wake-up of the main thread per batch. */
typedef struct {
  int32_t *v;
  size_t n, cap;
} tcp_batch;

static void batch_add(tcp_batch *b, int32_t id, int32_t code) {
  if (!grow((void **)&b->v, &b->cap, b->n + 1, 2 * sizeof(int32_t))) return;
  b->v[2 * b->n] = id;
  b->v[2 * b->n + 1] = code;
  b->n++;
}

static void batch_send(tcp_state *s, tcp_batch *b) {
  if (b->n == 0) return;
  uv_mutex_lock(&s->mu);
  int was_empty = s->nout == 0;
  if (grow((void **)&s->out, &s->capout, s->nout + b->n, 2 * sizeof(int32_t))) {
    memcpy(s->out + 2 * s->nout, b->v, b->n * 2 * sizeof(int32_t));
    s->nout += b->n;
  }
  uv_mutex_unlock(&s->mu);
  if (was_empty) napi_call_threadsafe_function(s->tsfn, NULL, napi_tsfn_nonblocking);
  b->n = 0;
}

static void pend_remove(tcp_state *s, size_t i) {
  close(s->pend[i].fd);
  s->pend[i] = s->pend[--s->npend];
}

static void start_connect(tcp_state *s, const tcp_req *r, tcp_batch *b) {
  int fd = socket(r->addr.ss_family, SOCK_STREAM | SOCK_NONBLOCK | SOCK_CLOEXEC, 0);
  if (fd == -1) return batch_add(b, r->id, errno);
  if (connect(fd, (const struct sockaddr *)&r->addr, r->len) == 0) {
    close(fd);
    return batch_add(b, r->id, 0);
  }
  int e = errno;
  struct epoll_event ev = {.events = EPOLLOUT, .data.u64 = (uint64_t)(uint32_t)r->id << 32 | (uint32_t)fd};
  if (e != EINPROGRESS || !grow((void **)&s->pend, &s->cappend, s->npend + 1, sizeof *s->pend) ||
      epoll_ctl(s->epfd, EPOLL_CTL_ADD, fd, &ev) == -1) {
    if (e == EINPROGRESS) e = errno ? errno : ENOMEM;
    close(fd);
    return batch_add(b, r->id, e);
  }
  s->pend[s->npend++] = (tcp_pending){.id = r->id, .fd = fd, .deadline = now_ms() + r->timeout_ms};
}

static void tcp_thread(void *arg) {
  tcp_state *s = arg;
  struct epoll_event evs[64];
  tcp_batch b = {0};
  tcp_req *work = NULL;
  size_t capwork = 0;
  for (;;) {
    int timeout = -1;
    int64_t now = now_ms();
    for (size_t i = 0; i < s->npend; i++) {
      int64_t left = s->pend[i].deadline - now;
      if (left < 0) left = 0;
      if (timeout == -1 || left < timeout) timeout = (int)left;
    }
    int n = epoll_wait(s->epfd, evs, 64, timeout);
    int woken = 0;
    for (int k = 0; k < n; k++) {
      if (evs[k].data.u64 == UINT64_MAX) {
        woken = 1; /* the eventfd: requests below */
        continue;
      }
      int32_t id = (int32_t)(evs[k].data.u64 >> 32);
      int fd = (int)(uint32_t)evs[k].data.u64;
      for (size_t i = 0; i < s->npend; i++) {
        if (s->pend[i].id != id || s->pend[i].fd != fd) continue;
        /* Writable alone is connected; a failed connect also has EPOLLERR, and SO_ERROR says why (as libuv reads it). */
        int err = 0;
        socklen_t len = sizeof err;
        if ((evs[k].events & (EPOLLERR | EPOLLHUP)) && getsockopt(fd, SOL_SOCKET, SO_ERROR, &err, &len) == -1) err = errno;
        batch_add(&b, id, err);
        pend_remove(s, i);
        break;
      }
    }
    uint64_t drain;
    if (woken && read(s->efd, &drain, sizeof drain) == -1) {}
    uv_mutex_lock(&s->mu);
    int stop = s->stop;
    size_t nwork = s->nin;
    if (nwork > 0 && grow((void **)&work, &capwork, nwork, sizeof *work)) {
      memcpy(work, s->in, nwork * sizeof *work);
      s->nin = 0;
    } else {
      nwork = 0;
    }
    uv_mutex_unlock(&s->mu);
    for (size_t k = 0; k < nwork; k++) {
      if (!work[k].cancel) {
        start_connect(s, &work[k], &b);
        continue;
      }
      for (size_t i = 0; i < s->npend; i++) {
        if (s->pend[i].id != work[k].id) continue;
        batch_add(&b, work[k].id, TCP_CANCELED);
        pend_remove(s, i);
        break;
      }
    }
    now = now_ms();
    for (size_t i = 0; i < s->npend;) {
      if (s->pend[i].deadline > now) {
        i++;
        continue;
      }
      batch_add(&b, s->pend[i].id, TCP_TIMED_OUT);
      pend_remove(s, i);
    }
    if (stop) break;
    batch_send(s, &b);
  }
  while (s->npend > 0) pend_remove(s, 0);
  free(work);
  free(b.v);
}

/* On the main thread, from the tsfn: every result so far, in one call. */
static void tcp_call_js(napi_env env, napi_value cb, void *context, void *data) {
  (void)data;
  tcp_state *s = context;
  if (env == NULL || cb == NULL) return;
  uv_mutex_lock(&s->mu);
  size_t n = s->nout;
  int32_t *copy = n ? malloc(n * 2 * sizeof(int32_t)) : NULL;
  if (copy != NULL) memcpy(copy, s->out, n * 2 * sizeof(int32_t));
  else n = 0;
  s->nout = 0;
  uv_mutex_unlock(&s->mu);
  if (n == 0) return;
  s->live = s->live > n ? s->live - n : 0;
  if (s->live == 0) napi_unref_threadsafe_function(env, s->tsfn);
  napi_value ab, arr, global;
  void *bytes = NULL;
  napi_create_arraybuffer(env, n * 2 * sizeof(int32_t), &bytes, &ab);
  memcpy(bytes, copy, n * 2 * sizeof(int32_t));
  free(copy);
  napi_create_typedarray(env, napi_int32_array, n * 2, ab, 0, &arr);
  napi_get_global(env, &global);
  napi_call_function(env, global, cb, 1, &arr, NULL);
}

/* Node is going away: the thread stops and closes what it holds. */
static void tcp_cleanup(void *arg) {
  tcp_state *s = arg;
  uv_mutex_lock(&s->mu);
  s->stop = 1;
  uv_mutex_unlock(&s->mu);
  uint64_t one = 1;
  if (write(s->efd, &one, sizeof one) == -1) {}
  uv_thread_join(&s->thread);
  close(s->efd);
  close(s->epfd);
}

static napi_value throw_code(napi_env env, int e, const char *syscall) {
  errno = e;
  return svkit_throw_errno(env, syscall);
}

/* tcpResults(callback): starts the thread; once per process. */
static napi_value js_tcp_results(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1], name;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 1 || state != NULL) {
    napi_throw_type_error(env, NULL, state != NULL ? "tcpResults: already started" : "tcpResults(callback)");
    return NULL;
  }
  tcp_state *s = calloc(1, sizeof *s);
  if (s == NULL) return throw_code(env, ENOMEM, "calloc");
  uv_mutex_init(&s->mu);
  s->efd = eventfd(0, EFD_NONBLOCK | EFD_CLOEXEC);
  if (s->efd == -1) return free(s), svkit_throw_errno(env, "eventfd");
  s->epfd = epoll_create1(EPOLL_CLOEXEC);
  struct epoll_event ev = {.events = EPOLLIN, .data.u64 = UINT64_MAX};
  if (s->epfd == -1 || epoll_ctl(s->epfd, EPOLL_CTL_ADD, s->efd, &ev) == -1) {
    int e = errno;
    const char *call = s->epfd == -1 ? "epoll_create1" : "epoll_ctl";
    close(s->efd);
    if (s->epfd != -1) close(s->epfd);
    free(s);
    return throw_code(env, e, call);
  }
  napi_create_string_utf8(env, "svkit.tcpCheck", NAPI_AUTO_LENGTH, &name);
  if (napi_create_threadsafe_function(env, argv[0], NULL, name, 0, 1, NULL, NULL, s, tcp_call_js, &s->tsfn) != napi_ok) {
    close(s->efd);
    close(s->epfd);
    free(s);
    return throw_code(env, ENOMEM, "napi_create_threadsafe_function");
  }
  napi_unref_threadsafe_function(env, s->tsfn);
  int e = uv_thread_create(&s->thread, tcp_thread, s);
  if (e != 0) {
    e = -e; /* a negative errno */
    napi_release_threadsafe_function(s->tsfn, napi_tsfn_abort);
    close(s->efd);
    close(s->epfd);
    free(s);
    return throw_code(env, e, "uv_thread_create");
  }
  /* After the tsfn's own hook, so it runs first: the thread is gone before the tsfn is. */
  napi_add_env_cleanup_hook(env, tcp_cleanup, s);
  state = s;
  return NULL;
}

/* Hands R to the thread; false (and an ENOMEM thrown) when it cannot be queued. */
static int queue(napi_env env, tcp_state *s, const tcp_req *r) {
  uv_mutex_lock(&s->mu);
  int ok = grow((void **)&s->in, &s->capin, s->nin + 1, sizeof *s->in);
  int was_empty = s->nin == 0;
  if (ok) s->in[s->nin++] = *r;
  uv_mutex_unlock(&s->mu);
  if (!ok) return throw_code(env, ENOMEM, "realloc"), 0;
  uint64_t one = 1;
  if (was_empty && write(s->efd, &one, sizeof one) == -1) {}
  return 1;
}

/* tcpConnect(id, sockaddr, timeoutMs): sockaddr is a Buffer from tcpAddress(). */
static napi_value js_tcp_connect(napi_env env, napi_callback_info info) {
  size_t argc = 3;
  napi_value argv[3];
  void *addr = NULL;
  size_t len = 0;
  tcp_req r = {0};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (state == NULL || argc < 3 || napi_get_value_int32(env, argv[0], &r.id) != napi_ok ||
      napi_get_buffer_info(env, argv[1], &addr, &len) != napi_ok || len == 0 || len > sizeof r.addr ||
      napi_get_value_int32(env, argv[2], &r.timeout_ms) != napi_ok) {
    napi_throw_type_error(env, NULL, "tcpConnect(id, sockaddr, timeoutMs) after tcpResults(callback)");
    return NULL;
  }
  memcpy(&r.addr, addr, len);
  r.len = (socklen_t)len;
  if (r.timeout_ms < 0) r.timeout_ms = 0;
  if (queue(env, state, &r) && state->live++ == 0) napi_ref_threadsafe_function(env, state->tsfn);
  return NULL;
}

/* tcpCancel(id): closes a pending connect now; its result is TCP_CANCELED (or what it got first). */
static napi_value js_tcp_cancel(napi_env env, napi_callback_info info) {
  size_t argc = 1;
  napi_value argv[1];
  tcp_req r = {.cancel = 1};
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (state == NULL || argc < 1 || napi_get_value_int32(env, argv[0], &r.id) != napi_ok) {
    napi_throw_type_error(env, NULL, "tcpCancel(id)");
    return NULL;
  }
  queue(env, state, &r);
  return NULL;
}

/* tcpAddress(ip, port): the sockaddr of a numeric IPv4 or IPv6 address (a scope as in
 * fe80::1%eth0 too) as a Buffer, made once per start; getaddrinfo with AI_NUMERICHOST never
 * asks a resolver. Throws EINVAL for anything but a numeric address. */
static napi_value js_tcp_address(napi_env env, napi_callback_info info) {
  size_t argc = 2;
  napi_value argv[2], buf;
  char host[256];
  size_t hlen = 0;
  int port = 0;
  napi_get_cb_info(env, info, &argc, argv, NULL, NULL);
  if (argc < 2 || napi_get_value_string_utf8(env, argv[0], host, sizeof host, &hlen) != napi_ok ||
      napi_get_value_int32(env, argv[1], &port) != napi_ok || port < 0 || port > 65535) {
    napi_throw_type_error(env, NULL, "tcpAddress(ip, port)");
    return NULL;
  }
  char serv[8];
  snprintf(serv, sizeof serv, "%d", port);
  struct addrinfo hints = {.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV, .ai_socktype = SOCK_STREAM}, *res = NULL;
  if (hlen == sizeof host - 1 || getaddrinfo(host, serv, &hints, &res) != 0 || res == NULL) return throw_code(env, EINVAL, "getaddrinfo");
  void *bytes = NULL;
  napi_create_buffer_copy(env, res->ai_addrlen, res->ai_addr, &bytes, &buf);
  freeaddrinfo(res);
  return buf;
}

void tcpcheck_init(napi_env env, napi_value exports) {
  napi_property_descriptor props[] = {
    {"tcpResults", NULL, js_tcp_results, NULL, NULL, NULL, napi_default, NULL},
    {"tcpConnect", NULL, js_tcp_connect, NULL, NULL, NULL, napi_default, NULL},
    {"tcpCancel", NULL, js_tcp_cancel, NULL, NULL, NULL, napi_default, NULL},
    {"tcpAddress", NULL, js_tcp_address, NULL, NULL, NULL, napi_default, NULL},
  };
  napi_define_properties(env, exports, sizeof props / sizeof props[0], props);
}
