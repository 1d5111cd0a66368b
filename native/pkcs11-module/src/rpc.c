/* The connection to the agent: one UNIX socket per process (a named pipe on Windows would go here; not built), one
 * request at a time under a mutex, newline-delimited JSON-RPC 2.0. A dead or silent agent never hangs the caller:
 * every read has a deadline, and EOF is CKR_DEVICE_REMOVED. */
#include "module.h"

#include <errno.h>
#include <poll.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/socket.h>
#include <sys/un.h>
#include <time.h>
#include <unistd.h>

#define MAX_ANSWER (8 * 1024 * 1024)

static pthread_mutex_t lock = PTHREAD_MUTEX_INITIALIZER;
static int initialized;
static pid_t init_pid;
static int fd = -1;
static long next_id = 1;

int owk_initialized(void) { return initialized && init_pid == getpid(); }

CK_RV owk_initialize(CK_VOID_PTR pargs) {
  CK_C_INITIALIZE_ARGS_PTR args = (CK_C_INITIALIZE_ARGS_PTR)pargs;
  if (args) {
    if (args->pReserved) return CKR_ARGUMENTS_BAD;
    int callbacks = args->CreateMutex || args->DestroyMutex || args->LockMutex || args->UnlockMutex;
    int all = args->CreateMutex && args->DestroyMutex && args->LockMutex && args->UnlockMutex;
    if (callbacks && !all) return CKR_ARGUMENTS_BAD;
    /* We lock with the OS's mutexes; an application that only offers its own cannot have them used. */
    if (callbacks && !(args->flags & CKF_OS_LOCKING_OK)) return CKR_CANT_LOCK;
  }
  pthread_mutex_lock(&lock);
  CK_RV rv = CKR_OK;
  if (initialized && init_pid == getpid()) rv = CKR_CRYPTOKI_ALREADY_INITIALIZED;
  else {
    /* A forked child starts afresh: its copy of the parent's socket is closed, never used. */
    if (fd >= 0) close(fd);
    fd = -1;
    initialized = 1;
    init_pid = getpid();
  }
  pthread_mutex_unlock(&lock);
  return rv;
}

CK_RV owk_finalize(void) {
  pthread_mutex_lock(&lock);
  if (fd >= 0) close(fd);
  fd = -1;
  initialized = 0;
  pthread_mutex_unlock(&lock);
  return CKR_OK;
}

static int timeout_ms(void) {
  const char *t = getenv("OWKMS_PKCS11_TIMEOUT_MS");
  long v = t ? strtol(t, NULL, 10) : 0;
  return v > 0 && v < 3600000 ? (int)v : 130000; /* guarded keys wait for a person (the agent allows 120 s) */
}

static void socket_path(char *out, size_t size) {
  const char *env = getenv("OWKMS_SOCKET");
  const char *xdg = getenv("XDG_RUNTIME_DIR");
  const char *tmp = getenv("TMPDIR");
  if (env && *env) snprintf(out, size, "%s", env);
  else if (xdg && *xdg) snprintf(out, size, "%s/owkms/agent.sock", xdg);
  else snprintf(out, size, "%s/owkms-%u/agent.sock", tmp && *tmp ? tmp : "/tmp", (unsigned)getuid());
}

static void disconnect(void) {
  if (fd >= 0) close(fd);
  fd = -1;
}

static CK_RV send_line(const char *text) {
  size_t len = strlen(text), off = 0;
  while (off < len) {
    ssize_t n = send(fd, text + off, len - off, MSG_NOSIGNAL);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return CKR_DEVICE_REMOVED;
    off += (size_t)n;
  }
  return CKR_OK;
}

/* One answer line, parsed; NULL with *rv set when the agent went away or said nothing in time. */
static json_object *read_answer(CK_RV *rv) {
  size_t cap = 4096, len = 0;
  char *buf = malloc(cap);
  if (!buf) return (*rv = CKR_HOST_MEMORY), NULL;
  struct timespec start;
  clock_gettime(CLOCK_MONOTONIC, &start);
  for (;;) {
    char *nl = len ? memchr(buf, '\n', len) : NULL;
    if (nl) {
      *nl = '\0';
      json_object *o = json_tokener_parse(buf);
      free(buf);
      if (!o) *rv = CKR_DEVICE_ERROR;
      return o;
    }
    struct timespec now;
    clock_gettime(CLOCK_MONOTONIC, &now);
    long spent = (now.tv_sec - start.tv_sec) * 1000 + (now.tv_nsec - start.tv_nsec) / 1000000;
    long left = timeout_ms() - spent;
    struct pollfd p = {.fd = fd, .events = POLLIN};
    int r = left > 0 ? poll(&p, 1, (int)left) : 0;
    if (r < 0 && errno == EINTR) continue;
    if (r <= 0) return free(buf), (*rv = CKR_DEVICE_ERROR), NULL; /* silent agent: give up, never hang */
    if (len + 1 >= cap) {
      if (cap >= MAX_ANSWER) return free(buf), (*rv = CKR_DEVICE_ERROR), NULL;
      char *bigger = realloc(buf, cap * 2);
      if (!bigger) return free(buf), (*rv = CKR_HOST_MEMORY), NULL;
      buf = bigger;
      cap *= 2;
    }
    ssize_t n = recv(fd, buf + len, cap - len - 1, 0);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) return free(buf), (*rv = CKR_DEVICE_REMOVED), NULL; /* the agent closed or died */
    len += (size_t)n;
  }
}

/* Send one request and read its answer; the JSON-RPC result object on success. */
static CK_RV roundtrip(const char *method, json_object *params, json_object **result) {
  json_object *req = json_object_new_object();
  json_object_object_add(req, "jsonrpc", json_object_new_string("2.0"));
  json_object_object_add(req, "id", json_object_new_int64(next_id++));
  json_object_object_add(req, "method", json_object_new_string(method));
  json_object_object_add(req, "params", params);
  size_t n;
  const char *text = json_object_to_json_string_length(req, JSON_C_TO_STRING_PLAIN, &n);
  char *line = malloc(n + 2);
  CK_RV rv = CKR_HOST_MEMORY;
  if (line) {
    memcpy(line, text, n);
    line[n] = '\n';
    line[n + 1] = '\0';
    rv = send_line(line);
    free(line);
  }
  json_object_put(req);
  if (rv != CKR_OK) return rv;
  json_object *answer = read_answer(&rv);
  if (!answer) return rv;
  json_object *res;
  if (!json_object_object_get_ex(answer, "result", &res) || !json_object_is_type(res, json_type_object)) {
    json_object_put(answer);
    return CKR_GENERAL_ERROR; /* a protocol error: the agent refused the request itself (the stream is still in step) */
  }
  *result = json_object_get(res);
  json_object_put(answer);
  return CKR_OK;
}

static CK_RV connect_agent(void) {
  char path[sizeof(((struct sockaddr_un *)0)->sun_path)];
  socket_path(path, sizeof(path));
  int s = socket(AF_UNIX, SOCK_STREAM | SOCK_CLOEXEC, 0);
  if (s < 0) return CKR_TOKEN_NOT_PRESENT;
  struct sockaddr_un addr;
  memset(&addr, 0, sizeof(addr));
  addr.sun_family = AF_UNIX;
  snprintf(addr.sun_path, sizeof(addr.sun_path), "%s", path);
  if (connect(s, (struct sockaddr *)&addr, sizeof(addr)) != 0) {
    close(s);
    return CKR_TOKEN_NOT_PRESENT; /* no agent running: the token is absent, like a card not inserted */
  }
  fd = s;
  json_object *hello = json_object_new_object();
  json_object_object_add(hello, "role", json_object_new_string("pkcs11"));
  json_object_object_add(hello, "ulongBytes", json_object_new_int((int)sizeof(CK_ULONG)));
  json_object *res = NULL;
  CK_RV rv = roundtrip("agent.hello", hello, &res);
  if (res) json_object_put(res);
  if (rv != CKR_OK) {
    disconnect();
    return CKR_TOKEN_NOT_PRESENT;
  }
  return CKR_OK;
}

CK_RV owk_call(const char *method, json_object *params, json_object **result) {
  *result = NULL;
  if (!owk_initialized()) return json_object_put(params), CKR_CRYPTOKI_NOT_INITIALIZED;
  pthread_mutex_lock(&lock);
  CK_RV rv = fd < 0 ? connect_agent() : CKR_OK;
  if (rv == CKR_OK) rv = roundtrip(method, params, result);
  else json_object_put(params);
  /* A lost or silent agent: drop the socket (a late answer would put the stream out of step); the next call
   * reconnects, and the sessions of the old connection are unknown to whichever agent answers then. */
  if (rv == CKR_DEVICE_REMOVED || rv == CKR_DEVICE_ERROR) disconnect();
  pthread_mutex_unlock(&lock);
  if (rv != CKR_OK) return rv;
  CK_RV agent_rv = owk_get_ulong(*result, "rv", CKR_DEVICE_ERROR);
  if (agent_rv != CKR_OK) {
    json_object_put(*result);
    *result = NULL;
  }
  return agent_rv;
}

json_object *owk_params_session(CK_SESSION_HANDLE session) {
  json_object *o = json_object_new_object();
  owk_set_ulong(o, "session", session);
  return o;
}

void owk_set_ulong(json_object *o, const char *key, CK_ULONG v) {
  json_object_object_add(o, key, json_object_new_uint64((uint64_t)v));
}

void owk_set_hex(json_object *o, const char *key, const CK_BYTE *data, CK_ULONG len) {
  static const char digits[] = "0123456789abcdef";
  if (len > 256UL * 1024 * 1024) return; /* past any message the agent takes: the member is left out, the agent refuses */
  char *text = malloc(2 * (size_t)len + 1);
  if (!text) return;
  for (CK_ULONG i = 0; i < len; i++) {
    text[2 * i] = digits[data[i] >> 4];
    text[2 * i + 1] = digits[data[i] & 15];
  }
  text[2 * len] = '\0';
  json_object_object_add(o, key, json_object_new_string_len(text, (int)(2 * len)));
  free(text);
}

CK_ULONG owk_get_ulong(json_object *o, const char *key, CK_ULONG dflt) {
  json_object *v;
  if (!o || !json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_int)) return dflt;
  return (CK_ULONG)json_object_get_uint64(v);
}

static int nibble(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

CK_RV owk_get_hex(json_object *o, const char *key, CK_BYTE **data, CK_ULONG *len) {
  json_object *v;
  *data = NULL;
  *len = 0;
  if (!json_object_object_get_ex(o, key, &v) || !json_object_is_type(v, json_type_string)) return CKR_DEVICE_ERROR;
  const char *s = json_object_get_string(v);
  size_t n = (size_t)json_object_get_string_len(v);
  if (n % 2) return CKR_DEVICE_ERROR;
  CK_BYTE *out = malloc(n / 2 + 1);
  if (!out) return CKR_HOST_MEMORY;
  for (size_t i = 0; i < n / 2; i++) {
    int hi = nibble(s[2 * i]), lo = nibble(s[2 * i + 1]);
    if (hi < 0 || lo < 0) return free(out), CKR_DEVICE_ERROR;
    out[i] = (CK_BYTE)(hi << 4 | lo);
  }
  *data = out;
  *len = (CK_ULONG)(n / 2);
  return CKR_OK;
}

json_object *owk_template(CK_ATTRIBUTE_PTR tmpl, CK_ULONG count) {
  json_object *list = json_object_new_array();
  for (CK_ULONG i = 0; tmpl && i < count; i++) {
    json_object *a = json_object_new_object();
    owk_set_ulong(a, "t", tmpl[i].type);
    owk_set_hex(a, "v", tmpl[i].pValue ? (const CK_BYTE *)tmpl[i].pValue : (const CK_BYTE *)"", tmpl[i].pValue ? tmpl[i].ulValueLen : 0);
    json_object_array_add(list, a);
  }
  return list;
}

void owk_pad(CK_UTF8CHAR *dst, size_t size, const char *src) {
  size_t n = strlen(src);
  if (n > size) n = size;
  memset(dst, ' ', size);
  memcpy(dst, src, n);
}
