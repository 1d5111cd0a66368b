// NV counters (TPM2_NT_COUNTER): define, increment, read, undefine. A counter only moves forward and keeps
// its value across TPM restarts, which is what the keystore's rollback check needs.
#include "common.h"

namespace tpm2 {

// Owner-created counter readable and writable with its (empty) authValue, excluded from dictionary-attack
// counting so a failing reader cannot lock the user out of unsealing.
static TPMA_NV CounterAttributes() {
  return (TPM2_NT_COUNTER << TPMA_NV_TPM2_NT_SHIFT) | TPMA_NV_AUTHREAD | TPMA_NV_AUTHWRITE | TPMA_NV_OWNERREAD |
         TPMA_NV_NO_DA;
}

class NvWorker : public TpmWorker {
 public:
  NvWorker(const Napi::CallbackInfo& info) : TpmWorker(info, CtxArg(info, 0)), index_(U32Arg(info, 1)) {
    if ((index_ >> 24) != TPM2_HT_NV_INDEX) throw Napi::RangeError::New(info.Env(), "not an NV index handle");
  }

 protected:
  TSS2_RC Lookup(CloseGuard& nv) {
    TPM_TRY("Esys_TR_FromTPMPublic",
            Esys_TR_FromTPMPublic(ctx_->esys, index_, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &nv.handle));
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }
  uint32_t index_;
};

// nvDefineCounter(ctx, index): fails with TPM_RC_NV_DEFINED when the index exists.
class DefineWorker : public NvWorker {
 public:
  using NvWorker::NvWorker;

 protected:
  TSS2_RC Run() override {
    TPM2B_AUTH auth = {};
    TPM2B_NV_PUBLIC pub = {};
    pub.nvPublic.nvIndex = index_;
    pub.nvPublic.nameAlg = TPM2_ALG_SHA256;
    pub.nvPublic.attributes = CounterAttributes();
    pub.nvPublic.dataSize = 8;
    CloseGuard nv(ctx_->esys);
    TPM_TRY("Esys_NV_DefineSpace", Esys_NV_DefineSpace(ctx_->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                                       ESYS_TR_NONE, &auth, &pub, &nv.handle));
    return TSS2_RC_SUCCESS;
  }
};

// nvIncrement(ctx, index)
class IncrementWorker : public NvWorker {
 public:
  using NvWorker::NvWorker;

 protected:
  TSS2_RC Run() override {
    CloseGuard nv(ctx_->esys);
    TSS2_RC rc = Lookup(nv);
    if (rc != TSS2_RC_SUCCESS) return rc;
    TPM_TRY("Esys_NV_Increment", Esys_NV_Increment(ctx_->esys, nv.handle, nv.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                                   ESYS_TR_NONE));
    return TSS2_RC_SUCCESS;
  }
};

// nvRead(ctx, index) -> Buffer (8 bytes, big-endian); TPM_RC_NV_UNINITIALIZED before the first increment.
class ReadWorker : public NvWorker {
 public:
  using NvWorker::NvWorker;

 protected:
  TSS2_RC Run() override {
    CloseGuard nv(ctx_->esys);
    TSS2_RC rc = Lookup(nv);
    if (rc != TSS2_RC_SUCCESS) return rc;
    TPM2B_MAX_NV_BUFFER* data = nullptr;
    TPM_TRY("Esys_NV_Read", Esys_NV_Read(ctx_->esys, nv.handle, nv.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                         ESYS_TR_NONE, 8, 0, &data));
    value_.assign(data->buffer, data->buffer + data->size);
    Esys_Free(data);
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override { return Napi::Buffer<uint8_t>::Copy(env, value_.data(), value_.size()); }

 private:
  Bytes value_;
};

// nvUndefine(ctx, index): owner authorisation (empty owner auth, as on a fresh TPM or swtpm).
class UndefineWorker : public NvWorker {
 public:
  using NvWorker::NvWorker;

 protected:
  TSS2_RC Run() override {
    CloseGuard nv(ctx_->esys);
    TSS2_RC rc = Lookup(nv);
    if (rc != TSS2_RC_SUCCESS) return rc;
    TPM_TRY("Esys_NV_UndefineSpace", Esys_NV_UndefineSpace(ctx_->esys, ESYS_TR_RH_OWNER, nv.handle, ESYS_TR_PASSWORD,
                                                           ESYS_TR_NONE, ESYS_TR_NONE));
    nv.handle = ESYS_TR_NONE;  // ESYS released it with the index
    return TSS2_RC_SUCCESS;
  }
};

void InitNv(Napi::Env env, Napi::Object exports) {
  exports.Set("nvDefineCounter", Napi::Function::New(env, StartWorker<DefineWorker>));
  exports.Set("nvIncrement", Napi::Function::New(env, StartWorker<IncrementWorker>));
  exports.Set("nvRead", Napi::Function::New(env, StartWorker<ReadWorker>));
  exports.Set("nvUndefine", Napi::Function::New(env, StartWorker<UndefineWorker>));
}

}  // namespace tpm2
