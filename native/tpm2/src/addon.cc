// Entry of the tpm2-tss addon: opening and closing a TCTI connection, the worker base and argument helpers.
// Every TPM operation lives in seal.cc, nv.cc or query.cc as one AsyncWorker.
#include <tss2/tss2_rc.h>

#include "common.h"

namespace tpm2 {

// Marks externals made by this addon so a foreign External cannot be passed as a context.
static const napi_type_tag kCtxTag = {0x6f776b6d73747032ULL, 0x74706d32636f6e6eULL};

void Ctx::Close() {
  if (esys != nullptr) Esys_Finalize(&esys);
  if (tcti != nullptr) Tss2_TctiLdr_Finalize(&tcti);
  esys = nullptr;
  tcti = nullptr;
}

void Wipe(void* p, size_t n) {
  volatile uint8_t* v = static_cast<volatile uint8_t*>(p);
  while (n-- > 0) *v++ = 0;
}

void Wipe(Bytes& b) { Wipe(b.data(), b.size()); }

Ctx* CtxArg(const Napi::CallbackInfo& info, size_t i) {
  Napi::Value v = info[i];
  if (!v.IsExternal() || !v.As<Napi::External<Ctx>>().CheckTypeTag(&kCtxTag)) {
    throw Napi::TypeError::New(info.Env(), "expected a TPM connection");
  }
  Ctx* ctx = v.As<Napi::External<Ctx>>().Data();
  if (ctx->esys == nullptr) throw Napi::Error::New(info.Env(), "TPM connection is closed");
  return ctx;
}

Bytes BytesArg(const Napi::CallbackInfo& info, size_t i, size_t maxLen) {
  Napi::Value v = info[i];
  if (!v.IsTypedArray() || v.As<Napi::TypedArray>().TypedArrayType() != napi_uint8_array) {
    throw Napi::TypeError::New(info.Env(), "expected a Uint8Array");
  }
  auto arr = v.As<Napi::Uint8Array>();
  if (arr.ByteLength() > maxLen) throw Napi::RangeError::New(info.Env(), "byte array too long");
  return Bytes(arr.Data(), arr.Data() + arr.ByteLength());
}

uint32_t U32Arg(const Napi::CallbackInfo& info, size_t i) {
  if (!info[i].IsNumber()) throw Napi::TypeError::New(info.Env(), "expected a number");
  return info[i].As<Napi::Number>().Uint32Value();
}

TPML_PCR_SELECTION PcrSelection(uint32_t mask) {
  TPML_PCR_SELECTION sel = {};
  if (mask == 0) return sel;
  sel.count = 1;
  sel.pcrSelections[0].hash = TPM2_ALG_SHA256;
  sel.pcrSelections[0].sizeofSelect = 3;
  sel.pcrSelections[0].pcrSelect[0] = mask & 0xff;
  sel.pcrSelections[0].pcrSelect[1] = (mask >> 8) & 0xff;
  sel.pcrSelections[0].pcrSelect[2] = (mask >> 16) & 0xff;
  return sel;
}

TpmWorker::TpmWorker(const Napi::CallbackInfo& info, Ctx* ctx)
    : Napi::AsyncWorker(info.Env()), ctx_(ctx), deferred_(Napi::Promise::Deferred::New(info.Env())) {
  // Keeps the connection's External alive (and its finalizer away) while the worker runs.
  if (ctx != nullptr) handleRef_ = Napi::Persistent(info[0]);
}

Napi::Promise TpmWorker::Start() {
  Napi::Promise promise = deferred_.Promise();
  if (ctx_ != nullptr && ctx_->busy.exchange(true)) {
    deferred_.Reject(Napi::Error::New(Env(), "TPM connection busy: calls must not overlap").Value());
    delete this;
    return promise;
  }
  Queue();
  return promise;
}

void TpmWorker::Execute() { rc_ = Run(); }

void TpmWorker::Release() {
  if (ctx_ != nullptr) ctx_->busy.store(false);
  if (!handleRef_.IsEmpty()) handleRef_.Reset();
}

void TpmWorker::OnOK() {
  Napi::Env env = Env();
  Release();
  if (rc_ == TSS2_RC_SUCCESS) {
    try {
      deferred_.Resolve(Result(env));
    } catch (const Napi::Error& e) {
      deferred_.Reject(e.Value());
    }
    return;
  }
  Napi::Error err;
  if (rc_ == kAddonFailure) {
    err = Napi::Error::New(env, addonCode_ + " (" + step_ + ")");
    err.Set("code", Napi::String::New(env, addonCode_));
    err.Set("layer", Napi::Number::New(env, -1));
  } else {
    err = Napi::Error::New(env, std::string(Tss2_RC_Decode(rc_)) + " (" + step_ + ")");
    err.Set("code", Napi::Number::New(env, rc_));
    err.Set("layer", Napi::Number::New(env, (rc_ >> TSS2_RC_LAYER_SHIFT) & 0xff));
  }
  err.Set("step", Napi::String::New(env, step_));
  deferred_.Reject(err.Value());
}

void TpmWorker::OnError(const Napi::Error& e) {
  Release();
  deferred_.Reject(e.Value());
}

// open(tcti: string): initialises the TCTI named by its configuration string and an ESYS context over it.
class OpenWorker : public TpmWorker {
 public:
  OpenWorker(const Napi::CallbackInfo& info, std::string conf) : TpmWorker(info, nullptr), conf_(std::move(conf)) {}
  ~OpenWorker() override { delete created_; }

 protected:
  TSS2_RC Run() override {
    created_ = new Ctx();
    TPM_TRY("Tss2_TctiLdr_Initialize", Tss2_TctiLdr_Initialize(conf_.c_str(), &created_->tcti));
    TPM_TRY("Esys_Initialize", Esys_Initialize(&created_->esys, created_->tcti, nullptr));
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override {
    auto ext = Napi::External<Ctx>::New(env, created_, [](Napi::Env, Ctx* c) { delete c; });
    created_ = nullptr;
    ext.TypeTag(&kCtxTag);
    return ext;
  }

 private:
  std::string conf_;
  Ctx* created_ = nullptr;
};

static Napi::Value Open(const Napi::CallbackInfo& info) {
  if (!info[0].IsString()) throw Napi::TypeError::New(info.Env(), "expected a TCTI configuration string");
  return (new OpenWorker(info, info[0].As<Napi::String>().Utf8Value()))->Start();
}

// close(ctx): synchronous; finalising ESYS and the TCTI sends nothing to the TPM.
static Napi::Value Close(const Napi::CallbackInfo& info) {
  Ctx* ctx = CtxArg(info, 0);
  if (ctx->busy.load()) throw Napi::Error::New(info.Env(), "TPM connection busy");
  ctx->Close();
  return info.Env().Undefined();
}

static Napi::Object Init(Napi::Env env, Napi::Object exports) {
  exports.Set("open", Napi::Function::New(env, Open));
  exports.Set("close", Napi::Function::New(env, Close));
  InitSeal(env, exports);
  InitNv(env, exports);
  InitQuery(env, exports);
  return exports;
}

}  // namespace tpm2

static Napi::Object InitModule(Napi::Env env, Napi::Object exports) { return tpm2::Init(env, exports); }

NODE_API_MODULE(tpm2, InitModule)
