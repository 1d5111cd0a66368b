// Shared pieces of the tpm2-tss addon: the per-connection context, the promise-returning worker base and
// scope guards that flush transient TPM objects (there may be no resource manager to do it for us).
#pragma once

#include <napi.h>
#include <tss2/tss2_esys.h>
#include <tss2/tss2_tctildr.h>

#include <atomic>
#include <cstdint>
#include <string>
#include <vector>

namespace tpm2 {

using Bytes = std::vector<uint8_t>;

// One TCTI connection and its ESYS context. ESYS is not thread-safe: `busy` refuses overlapping calls
// (the TypeScript side queues them, this is the last line of defence).
struct Ctx {
  TSS2_TCTI_CONTEXT* tcti = nullptr;
  ESYS_CONTEXT* esys = nullptr;
  std::atomic<bool> busy{false};
  void Close();
  ~Ctx() { Close(); }
};

// Zero memory that held a secret, in a way the optimiser cannot drop.
void Wipe(void* p, size_t n);
void Wipe(Bytes& b);

// Argument helpers; they throw a JS TypeError (the TypeScript loader checks first, these guard the C side).
Ctx* CtxArg(const Napi::CallbackInfo& info, size_t i);
Bytes BytesArg(const Napi::CallbackInfo& info, size_t i, size_t maxLen);
uint32_t U32Arg(const Napi::CallbackInfo& info, size_t i);

// The sha256 PCR bank selection for a 24-bit mask of PCR indexes.
TPML_PCR_SELECTION PcrSelection(uint32_t mask);

// Returned by Run() when the failure is the addon's own (addonCode_ says which), not a TSS2 return code.
constexpr TSS2_RC kAddonFailure = 0xFFFFFFFFu;

// One ESYS operation run off the JS thread; resolves with Result() or rejects with an Error carrying the
// TSS2 return code (`code`), its layer and the ESYS call that failed (`step`).
class TpmWorker : public Napi::AsyncWorker {
 public:
  TpmWorker(const Napi::CallbackInfo& info, Ctx* ctx);
  Napi::Promise Start();

 protected:
  virtual TSS2_RC Run() = 0;
  virtual Napi::Value Result(Napi::Env env) = 0;
  Ctx* ctx_;
  const char* step_ = "";
  std::string addonCode_;

 private:
  void Execute() final;
  void OnOK() final;
  void OnError(const Napi::Error& e) final;
  void Release();
  TSS2_RC rc_ = TSS2_RC_SUCCESS;
  Napi::Promise::Deferred deferred_;
  Napi::Reference<Napi::Value> handleRef_;
};

// Flushes a transient object or session when the scope ends, whatever path leaves it.
class FlushGuard {
 public:
  explicit FlushGuard(ESYS_CONTEXT* esys) : esys_(esys) {}
  ~FlushGuard() {
    if (handle != ESYS_TR_NONE) Esys_FlushContext(esys_, handle);
  }
  FlushGuard(const FlushGuard&) = delete;
  FlushGuard& operator=(const FlushGuard&) = delete;
  ESYS_TR handle = ESYS_TR_NONE;

 private:
  ESYS_CONTEXT* esys_;
};

// Releases ESYS's bookkeeping for an NV index (TR_FromTPMPublic allocates it; nothing to flush in the TPM).
class CloseGuard {
 public:
  explicit CloseGuard(ESYS_CONTEXT* esys) : esys_(esys) {}
  ~CloseGuard() {
    if (handle != ESYS_TR_NONE) Esys_TR_Close(esys_, &handle);
  }
  CloseGuard(const CloseGuard&) = delete;
  CloseGuard& operator=(const CloseGuard&) = delete;
  ESYS_TR handle = ESYS_TR_NONE;

 private:
  ESYS_CONTEXT* esys_;
};

// Runs one ESYS call, records its name for the error, and returns its failure from Run().
#define TPM_TRY(name, call)                 \
  do {                                      \
    step_ = name;                           \
    TSS2_RC tpm_try_rc_ = (call);           \
    if (tpm_try_rc_ != TSS2_RC_SUCCESS) {   \
      return tpm_try_rc_;                   \
    }                                       \
  } while (0)

// The exported function for a worker type: parse arguments in the constructor, queue, return the promise.
template <typename W>
Napi::Value StartWorker(const Napi::CallbackInfo& info) {
  return (new W(info))->Start();
}

// Module registration, one per source file.
void InitSeal(Napi::Env env, Napi::Object exports);
void InitNv(Napi::Env env, Napi::Object exports);
void InitQuery(Napi::Env env, Napi::Object exports);

}  // namespace tpm2
