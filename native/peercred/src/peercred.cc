// peerCredentials(fd): {pid, uid, gid} of the process at the other end of a connected UNIX socket, as the kernel
// recorded them at connect() (Linux SO_PEERCRED; macOS getpeereid and LOCAL_PEERPID). Checks live in TypeScript.
#include <napi.h>

#if defined(__linux__) || defined(__APPLE__)
#include <cerrno>
#include <cstring>
#include <sys/socket.h>
#include <sys/types.h>
#include <sys/un.h>
#include <unistd.h>
#endif

namespace {

Napi::Value PeerCredentials(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  if (info.Length() != 1 || !info[0].IsNumber()) {
    Napi::TypeError::New(env, "peerCredentials(fd: number)").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  int fd = info[0].As<Napi::Number>().Int32Value();
  Napi::Object out = Napi::Object::New(env);
#if defined(__linux__)
  struct ucred cred;
  socklen_t len = sizeof(cred);
  if (getsockopt(fd, SOL_SOCKET, SO_PEERCRED, &cred, &len) != 0 || len != sizeof(cred)) {
    Napi::Error::New(env, std::string("SO_PEERCRED failed: ") + std::strerror(errno)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  out.Set("pid", Napi::Number::New(env, cred.pid));
  out.Set("uid", Napi::Number::New(env, cred.uid));
  out.Set("gid", Napi::Number::New(env, cred.gid));
#elif defined(__APPLE__)
  uid_t uid;
  gid_t gid;
  if (getpeereid(fd, &uid, &gid) != 0) {
    Napi::Error::New(env, std::string("getpeereid failed: ") + std::strerror(errno)).ThrowAsJavaScriptException();
    return env.Undefined();
  }
  pid_t pid = 0;
  socklen_t len = sizeof(pid);
  if (getsockopt(fd, SOL_LOCAL, LOCAL_PEERPID, &pid, &len) != 0) pid = 0;
  out.Set("pid", Napi::Number::New(env, pid));
  out.Set("uid", Napi::Number::New(env, uid));
  out.Set("gid", Napi::Number::New(env, gid));
#else
  (void)fd;
  Napi::Error::New(env, "peer credentials are not available on this platform").ThrowAsJavaScriptException();
  return env.Undefined();
#endif
  return out;
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("peerCredentials", Napi::Function::New(env, PeerCredentials));
  return exports;
}

}  // namespace

NODE_API_MODULE(peercred, Init)
