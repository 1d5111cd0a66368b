// Read-only queries and lockout administration: random bytes, PCR values, TPM properties (manufacturer,
// firmware, dictionary-attack state) and the dictionary-attack parameters.
#include "common.h"

namespace tpm2 {

// getRandom(ctx, n) -> Buffer; the TPM returns at most one digest per call, so this loops.
class RandomWorker : public TpmWorker {
 public:
  RandomWorker(const Napi::CallbackInfo& info) : TpmWorker(info, CtxArg(info, 0)), want_(U32Arg(info, 1)) {
    if (want_ > 4096) throw Napi::RangeError::New(info.Env(), "at most 4096 random bytes per call");
  }

 protected:
  TSS2_RC Run() override {
    while (out_.size() < want_) {
      TPM2B_DIGEST* r = nullptr;
      UINT16 ask = static_cast<UINT16>(std::min<size_t>(want_ - out_.size(), sizeof r->buffer));
      TPM_TRY("Esys_GetRandom", Esys_GetRandom(ctx_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, ask, &r));
      out_.insert(out_.end(), r->buffer, r->buffer + r->size);
      Wipe(r, sizeof *r);
      Esys_Free(r);
    }
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override {
    auto b = Napi::Buffer<uint8_t>::Copy(env, out_.data(), out_.size());
    Wipe(out_);
    return b;
  }

 private:
  uint32_t want_;
  Bytes out_;
};

// pcrRead(ctx, mask) -> Buffer[] of sha256 values, in PCR index order, one PCR per command for simplicity.
class PcrReadWorker : public TpmWorker {
 public:
  PcrReadWorker(const Napi::CallbackInfo& info) : TpmWorker(info, CtxArg(info, 0)), mask_(U32Arg(info, 1)) {}

 protected:
  TSS2_RC Run() override {
    for (uint32_t i = 0; i < 24; i++) {
      if ((mask_ & (1u << i)) == 0) continue;
      TPML_PCR_SELECTION sel = PcrSelection(1u << i);
      TPML_DIGEST* values = nullptr;
      TPM_TRY("Esys_PCR_Read",
              Esys_PCR_Read(ctx_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &sel, nullptr, nullptr, &values));
      if (values->count == 1) values_.emplace_back(values->digests[0].buffer, values->digests[0].buffer + values->digests[0].size);
      else values_.emplace_back();  // bank or PCR not allocated
      Esys_Free(values);
    }
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override {
    auto arr = Napi::Array::New(env, values_.size());
    for (uint32_t i = 0; i < values_.size(); i++) {
      arr.Set(i, Napi::Buffer<uint8_t>::Copy(env, values_[i].data(), values_[i].size()));
    }
    return arr;
  }

 private:
  uint32_t mask_;
  std::vector<Bytes> values_;
};

// properties(ctx) -> [[property, value], ...] for the fixed and variable TPM property groups.
class PropertiesWorker : public TpmWorker {
 public:
  PropertiesWorker(const Napi::CallbackInfo& info) : TpmWorker(info, CtxArg(info, 0)) {}

 protected:
  TSS2_RC Run() override {
    for (UINT32 first : {TPM2_PT_FIXED, TPM2_PT_VAR}) {
      UINT32 next = first;
      TPMI_YES_NO more = TPM2_YES;
      while (more == TPM2_YES && next < first + TPM2_PT_GROUP) {
        TPMS_CAPABILITY_DATA* caps = nullptr;
        TPM_TRY("Esys_GetCapability", Esys_GetCapability(ctx_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                                         TPM2_CAP_TPM_PROPERTIES, next, TPM2_MAX_TPM_PROPERTIES,
                                                         &more, &caps));
        const TPML_TAGGED_TPM_PROPERTY& list = caps->data.tpmProperties;
        for (UINT32 i = 0; i < list.count; i++) props_.emplace_back(list.tpmProperty[i].property, list.tpmProperty[i].value);
        bool progressed = list.count > 0;
        if (progressed) next = list.tpmProperty[list.count - 1].property + 1;
        Esys_Free(caps);
        if (!progressed) break;
      }
    }
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override {
    auto arr = Napi::Array::New(env, props_.size());
    for (uint32_t i = 0; i < props_.size(); i++) {
      auto pair = Napi::Array::New(env, 2);
      pair.Set(0u, Napi::Number::New(env, props_[i].first));
      pair.Set(1u, Napi::Number::New(env, props_[i].second));
      arr.Set(i, pair);
    }
    return arr;
  }

 private:
  std::vector<std::pair<uint32_t, uint32_t>> props_;
};

// daParameters(ctx, maxTries, recoveryTime, lockoutRecovery): lockout hierarchy, empty lockout auth.
class DaParametersWorker : public TpmWorker {
 public:
  DaParametersWorker(const Napi::CallbackInfo& info)
      : TpmWorker(info, CtxArg(info, 0)), maxTries_(U32Arg(info, 1)), recovery_(U32Arg(info, 2)),
        lockoutRecovery_(U32Arg(info, 3)) {}

 protected:
  TSS2_RC Run() override {
    TPM_TRY("Esys_DictionaryAttackParameters",
            Esys_DictionaryAttackParameters(ctx_->esys, ESYS_TR_RH_LOCKOUT, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                            ESYS_TR_NONE, maxTries_, recovery_, lockoutRecovery_));
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }

 private:
  uint32_t maxTries_, recovery_, lockoutRecovery_;
};

// daReset(ctx): clears the failure counter (lockout hierarchy, empty lockout auth).
class DaResetWorker : public TpmWorker {
 public:
  DaResetWorker(const Napi::CallbackInfo& info) : TpmWorker(info, CtxArg(info, 0)) {}

 protected:
  TSS2_RC Run() override {
    TPM_TRY("Esys_DictionaryAttackLockReset", Esys_DictionaryAttackLockReset(ctx_->esys, ESYS_TR_RH_LOCKOUT,
                                                                             ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                                                             ESYS_TR_NONE));
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override { return env.Undefined(); }
};

void InitQuery(Napi::Env env, Napi::Object exports) {
  exports.Set("getRandom", Napi::Function::New(env, StartWorker<RandomWorker>));
  exports.Set("pcrRead", Napi::Function::New(env, StartWorker<PcrReadWorker>));
  exports.Set("properties", Napi::Function::New(env, StartWorker<PropertiesWorker>));
  exports.Set("daParameters", Napi::Function::New(env, StartWorker<DaParametersWorker>));
  exports.Set("daReset", Napi::Function::New(env, StartWorker<DaResetWorker>));
}

}  // namespace tpm2
