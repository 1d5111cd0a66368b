// N-API face of the Linux sandbox: sandbox(plan) applies no_new_privs, Landlock (every thread) and the seccomp
// filter, and returns what the kernel accepted; landlockAbi() reports the ABI without changing anything.
#include "sandboxBinding.h"

#if defined(__linux__)
#include <sys/prctl.h>

#include <cerrno>
#include <cstring>

#include "landlock.h"
#include "seccompFilter.h"
#endif

namespace {

#if defined(__linux__)
bool StringList(Napi::Env env, Napi::Object plan, const char* key, std::vector<std::string>* out) {
  Napi::Value v = plan.Get(key);
  if (!v.IsArray()) {
    Napi::TypeError::New(env, std::string(key) + " must be an array of strings").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value s = a.Get(i);
    if (!s.IsString()) {
      Napi::TypeError::New(env, std::string(key) + " must be an array of strings").ThrowAsJavaScriptException();
      return false;
    }
    out->push_back(s.As<Napi::String>().Utf8Value());
  }
  return true;
}

bool PortList(Napi::Env env, Napi::Object plan, std::vector<uint16_t>* out) {
  Napi::Value v = plan.Get("tcpConnect");
  if (!v.IsArray()) {
    Napi::TypeError::New(env, "tcpConnect must be an array of ports").ThrowAsJavaScriptException();
    return false;
  }
  Napi::Array a = v.As<Napi::Array>();
  for (uint32_t i = 0; i < a.Length(); i++) {
    Napi::Value p = a.Get(i);
    const double n = p.IsNumber() ? p.As<Napi::Number>().DoubleValue() : -1;
    if (!(n >= 1 && n <= 65535) || n != static_cast<double>(static_cast<uint16_t>(n))) {
      Napi::TypeError::New(env, "tcpConnect must hold ports from 1 to 65535").ThrowAsJavaScriptException();
      return false;
    }
    out->push_back(static_cast<uint16_t>(n));
  }
  return true;
}

Napi::Object LandlockReport(Napi::Env env, const sandbox::LandlockResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("abi", r.abi);
  if (!r.error.empty()) o.Set("error", r.error);
  o.Set("handledFs", static_cast<double>(r.handledFs));
  o.Set("handledNet", static_cast<double>(r.handledNet));
  o.Set("scoped", static_cast<double>(r.scoped));
  Napi::Array skipped = Napi::Array::New(env, r.skipped.size());
  for (size_t i = 0; i < r.skipped.size(); i++) {
    Napi::Object s = Napi::Object::New(env);
    s.Set("path", r.skipped[i].path);
    s.Set("reason", r.skipped[i].reason);
    skipped.Set(static_cast<uint32_t>(i), s);
  }
  o.Set("skipped", skipped);
  Napi::Array threads = Napi::Array::New(env, r.threads.size());
  for (size_t i = 0; i < r.threads.size(); i++) {
    Napi::Object t = Napi::Object::New(env);
    t.Set("tid", static_cast<double>(r.threads[i].tid));
    t.Set("outcome", r.threads[i].outcome);
    threads.Set(static_cast<uint32_t>(i), t);
  }
  o.Set("threads", threads);
  if (!r.threadError.empty()) o.Set("threadError", r.threadError);
  return o;
}

Napi::Object SeccompReport(Napi::Env env, const sandbox::SeccompResult& r) {
  Napi::Object o = Napi::Object::New(env);
  o.Set("enforced", r.enforced);
  if (!r.arch.empty()) o.Set("arch", r.arch);
  Napi::Array denied = Napi::Array::New(env, r.denied.size());
  for (size_t i = 0; i < r.denied.size(); i++) denied.Set(static_cast<uint32_t>(i), r.denied[i]);
  o.Set("denied", denied);
  if (!r.error.empty()) o.Set("error", r.error);
  return o;
}
#endif

}  // namespace

Napi::Value Sandbox(const Napi::CallbackInfo& info) {
  Napi::Env env = info.Env();
#if defined(__linux__)
  if (info.Length() < 1 || !info[0].IsObject()) {
    Napi::TypeError::New(env, "sandbox(plan) needs a plan object").ThrowAsJavaScriptException();
    return env.Undefined();
  }
  Napi::Object planObj = info[0].As<Napi::Object>();
  sandbox::LandlockPlan plan;
  if (!StringList(env, planObj, "readOnly", &plan.readOnly) || !StringList(env, planObj, "readWrite", &plan.readWrite) ||
      !StringList(env, planObj, "devices", &plan.devices) || !PortList(env, planObj, &plan.tcpConnect)) {
    return env.Undefined();
  }
  plan.scopeAbstractUnix = planObj.Get("scopeAbstractUnix").ToBoolean().Value();
  plan.scopeSignal = planObj.Get("scopeSignal").ToBoolean().Value();
  Napi::Object out = Napi::Object::New(env);
  // no_new_privs first: Landlock needs it (without CAP_SYS_ADMIN), and setuid programs could undo the rest.
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) out.Set("noNewPrivsError", std::strerror(errno));
  out.Set("landlock", LandlockReport(env, sandbox::ApplyLandlock(plan)));
  out.Set("seccomp", SeccompReport(env, sandbox::DenyDangerousSyscalls()));
  out.Set("noNewPrivs", prctl(PR_GET_NO_NEW_PRIVS, 0, 0, 0, 0) == 1);
  return out;
#else
  return env.Undefined();
#endif
}

Napi::Value LandlockAbi(const Napi::CallbackInfo& info) {
#if defined(__linux__)
  return Napi::Number::New(info.Env(), sandbox::LandlockAbi());
#else
  return info.Env().Undefined();
#endif
}
