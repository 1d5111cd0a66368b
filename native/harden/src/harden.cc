// Hardening calls the KMS makes once at start. Each returns what the OS reports afterwards, so the caller can say
// what holds instead of assuming it.
#include <napi.h>

#include "sandboxBinding.h"
#include <cerrno>
#include <cstring>
#if defined(__linux__)
#include <sys/prctl.h>
#include <sys/resource.h>
#elif defined(__APPLE__)
#include <sys/ptrace.h>
#include <sys/resource.h>
#include <sys/types.h>
#endif

namespace {

// No core file (it would hold decrypted keys), and on Linux no ptrace or /proc/PID/mem access by other
// processes of the same user.
Napi::Value Harden(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
  Napi::Object out = Napi::Object::New(env);
#if defined(__linux__) || defined(__APPLE__)
  struct rlimit none = {0, 0};
  out.Set("coreLimitZero", Napi::Boolean::New(env, setrlimit(RLIMIT_CORE, &none) == 0));
#endif
#if defined(__linux__)
  if (prctl(PR_SET_DUMPABLE, 0, 0, 0, 0) != 0) {
    out.Set("error", Napi::String::New(env, std::strerror(errno)));
  }
  out.Set("dumpable", Napi::Boolean::New(env, prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0));
#elif defined(__APPLE__)
  out.Set("denyAttach", Napi::Boolean::New(env, ptrace(PT_DENY_ATTACH, 0, nullptr, 0) == 0));
#endif
  return out;
}

Napi::Value Dumpable(const Napi::CallbackInfo& info) {
#if defined(__linux__)
  return Napi::Boolean::New(info.Env(), prctl(PR_GET_DUMPABLE, 0, 0, 0, 0) != 0);
#else
  return info.Env().Undefined();
#endif
}

Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("harden", Napi::Function::New(env, Harden));
  exports.Set("dumpable", Napi::Function::New(env, Dumpable));
  exports.Set("sandbox", Napi::Function::New(env, Sandbox));
  exports.Set("landlockAbi", Napi::Function::New(env, LandlockAbi));
  return exports;
}

}  // namespace

NODE_API_MODULE(harden, Init)
