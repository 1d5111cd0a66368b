// Storage primary, seal and unseal: each call re-creates the primary from a fixed template (deterministic, so
// the same TPM gives the same key), does its work in a session salted to that primary, and flushes everything.
#include <tss2/tss2_mu.h>

#include <cstring>

#include "common.h"

namespace tpm2 {

enum PrimaryAlg : uint32_t { kEccP256 = 0, kRsa2048 = 1 };

static TPM2B_PUBLIC PrimaryTemplate(uint32_t alg) {
  TPM2B_PUBLIC pub = {};
  TPMT_PUBLIC& t = pub.publicArea;
  t.nameAlg = TPM2_ALG_SHA256;
  // A restricted decryption (storage) key: the TPM generates it from the owner seed, never exports it.
  t.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT | TPMA_OBJECT_SENSITIVEDATAORIGIN |
                       TPMA_OBJECT_USERWITHAUTH | TPMA_OBJECT_NODA | TPMA_OBJECT_RESTRICTED | TPMA_OBJECT_DECRYPT;
  if (alg == kRsa2048) {
    t.type = TPM2_ALG_RSA;
    t.parameters.rsaDetail.symmetric = {TPM2_ALG_AES, {128}, {TPM2_ALG_CFB}};
    t.parameters.rsaDetail.scheme.scheme = TPM2_ALG_NULL;
    t.parameters.rsaDetail.keyBits = 2048;
    t.parameters.rsaDetail.exponent = 0;
    t.unique.rsa.size = 256;  // zero-filled unique, as in the TCG provisioning guidance templates
  } else {
    t.type = TPM2_ALG_ECC;
    t.parameters.eccDetail.symmetric = {TPM2_ALG_AES, {128}, {TPM2_ALG_CFB}};
    t.parameters.eccDetail.scheme.scheme = TPM2_ALG_NULL;
    t.parameters.eccDetail.curveID = TPM2_ECC_NIST_P256;
    t.parameters.eccDetail.kdf.scheme = TPM2_ALG_NULL;
    t.unique.ecc.x.size = 32;
    t.unique.ecc.y.size = 32;
  }
  return pub;
}

static const TPMT_SYM_DEF kSessionAes = {TPM2_ALG_AES, {128}, {TPM2_ALG_CFB}};
static const TPMT_SYM_DEF kNoSym = {TPM2_ALG_NULL, {0}, {TPM2_ALG_NULL}};

// Base for the three operations: creates the primary in the owner hierarchy and reads its name.
class PrimaryWorker : public TpmWorker {
 public:
  PrimaryWorker(const Napi::CallbackInfo& info) : TpmWorker(info, CtxArg(info, 0)), alg_(U32Arg(info, 1)) {}

 protected:
  TSS2_RC CreatePrimary(FlushGuard& primary) {
    TPM2B_PUBLIC tmpl = PrimaryTemplate(alg_);
    TPM2B_SENSITIVE_CREATE sens = {};
    TPM2B_DATA outside = {};
    TPML_PCR_SELECTION none = {};
    TPM_TRY("Esys_CreatePrimary", Esys_CreatePrimary(ctx_->esys, ESYS_TR_RH_OWNER, ESYS_TR_PASSWORD, ESYS_TR_NONE,
                                                     ESYS_TR_NONE, &sens, &tmpl, &outside, &none, &primary.handle,
                                                     nullptr, nullptr, nullptr, nullptr));
    TPM2B_NAME* name = nullptr;
    TPM_TRY("Esys_TR_GetName", Esys_TR_GetName(ctx_->esys, primary.handle, &name));
    parentName_.assign(name->name, name->name + name->size);
    Esys_Free(name);
    return TSS2_RC_SUCCESS;
  }
  // A session salted to the primary, so the secret never crosses the TPM bus in clear.
  TSS2_RC StartSession(ESYS_TR primary, TPM2_SE type, TPMA_SESSION attrs, FlushGuard& session) {
    TPM_TRY("Esys_StartAuthSession", Esys_StartAuthSession(ctx_->esys, primary, ESYS_TR_NONE, ESYS_TR_NONE,
                                                           ESYS_TR_NONE, ESYS_TR_NONE, nullptr, type, &kSessionAes,
                                                           TPM2_ALG_SHA256, &session.handle));
    TPM_TRY("Esys_TRSess_SetAttributes",
            Esys_TRSess_SetAttributes(ctx_->esys, session.handle, attrs | TPMA_SESSION_CONTINUESESSION, 0xff));
    return TSS2_RC_SUCCESS;
  }
  // PolicyPCR (current values of the selected sha256 PCRs), then PolicyAuthValue when an authValue is set.
  TSS2_RC ApplyPolicy(ESYS_TR session, uint32_t pcrMask, bool withAuth) {
    TPM2B_DIGEST empty = {};
    TPML_PCR_SELECTION sel = PcrSelection(pcrMask);
    TPM_TRY("Esys_PolicyPCR",
            Esys_PolicyPCR(ctx_->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE, &empty, &sel));
    if (withAuth) {
      TPM_TRY("Esys_PolicyAuthValue",
              Esys_PolicyAuthValue(ctx_->esys, session, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE));
    }
    return TSS2_RC_SUCCESS;
  }
  Napi::Buffer<uint8_t> ToBuffer(Napi::Env env, const Bytes& b) {
    return Napi::Buffer<uint8_t>::Copy(env, b.data(), b.size());
  }
  uint32_t alg_;
  Bytes parentName_;
};

// createPrimary(ctx, alg) -> { name }: the primary's name identifies this TPM's owner seed.
class CreatePrimaryWorker : public PrimaryWorker {
 public:
  using PrimaryWorker::PrimaryWorker;

 protected:
  TSS2_RC Run() override {
    FlushGuard primary(ctx_->esys);
    return CreatePrimary(primary);
  }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("name", ToBuffer(env, parentName_));
    return o;
  }
};

// seal(ctx, alg, secret, authValue, pcrMask) -> { public, private, parentName } (marshalled TPM2B structures).
class SealWorker : public PrimaryWorker {
 public:
  SealWorker(const Napi::CallbackInfo& info)
      : PrimaryWorker(info), secret_(BytesArg(info, 2, 128)), auth_(BytesArg(info, 3, 32)), pcrMask_(U32Arg(info, 4)) {}
  ~SealWorker() override {
    Wipe(secret_);
    Wipe(auth_);
  }

 protected:
  TSS2_RC Run() override {
    FlushGuard primary(ctx_->esys);
    TSS2_RC rc = CreatePrimary(primary);
    if (rc != TSS2_RC_SUCCESS) return rc;

    TPM2B_PUBLIC pub = {};
    TPMT_PUBLIC& t = pub.publicArea;
    t.type = TPM2_ALG_KEYEDHASH;
    t.nameAlg = TPM2_ALG_SHA256;
    t.objectAttributes = TPMA_OBJECT_FIXEDTPM | TPMA_OBJECT_FIXEDPARENT;
    t.parameters.keyedHashDetail.scheme.scheme = TPM2_ALG_NULL;
    if (pcrMask_ != 0) {
      // The policy digest is computed by the TPM in a trial session; without userWithAuth only it unseals.
      FlushGuard trial(ctx_->esys);
      TPM_TRY("Esys_StartAuthSession", Esys_StartAuthSession(ctx_->esys, ESYS_TR_NONE, ESYS_TR_NONE, ESYS_TR_NONE,
                                                             ESYS_TR_NONE, ESYS_TR_NONE, nullptr, TPM2_SE_TRIAL,
                                                             &kNoSym, TPM2_ALG_SHA256, &trial.handle));
      rc = ApplyPolicy(trial.handle, pcrMask_, !auth_.empty());
      if (rc != TSS2_RC_SUCCESS) return rc;
      TPM2B_DIGEST* digest = nullptr;
      TPM_TRY("Esys_PolicyGetDigest", Esys_PolicyGetDigest(ctx_->esys, trial.handle, ESYS_TR_NONE, ESYS_TR_NONE,
                                                           ESYS_TR_NONE, &digest));
      t.authPolicy = *digest;
      Esys_Free(digest);
    } else {
      t.objectAttributes |= TPMA_OBJECT_USERWITHAUTH;
    }

    FlushGuard session(ctx_->esys);
    rc = StartSession(primary.handle, TPM2_SE_HMAC, TPMA_SESSION_DECRYPT, session);
    if (rc != TSS2_RC_SUCCESS) return rc;
    TPM2B_SENSITIVE_CREATE sens = {};
    sens.sensitive.userAuth.size = static_cast<UINT16>(auth_.size());
    std::memcpy(sens.sensitive.userAuth.buffer, auth_.data(), auth_.size());
    sens.sensitive.data.size = static_cast<UINT16>(secret_.size());
    std::memcpy(sens.sensitive.data.buffer, secret_.data(), secret_.size());
    TPM2B_DATA outside = {};
    TPML_PCR_SELECTION none = {};
    TPM2B_PRIVATE* outPriv = nullptr;
    TPM2B_PUBLIC* outPub = nullptr;
    step_ = "Esys_Create";
    rc = Esys_Create(ctx_->esys, primary.handle, session.handle, ESYS_TR_NONE, ESYS_TR_NONE, &sens, &pub, &outside,
                     &none, &outPriv, &outPub, nullptr, nullptr, nullptr);
    Wipe(&sens, sizeof sens);
    if (rc != TSS2_RC_SUCCESS) return rc;
    rc = Marshal(outPub, outPriv);
    Esys_Free(outPriv);
    Esys_Free(outPub);
    return rc;
  }
  TSS2_RC Marshal(const TPM2B_PUBLIC* pub, const TPM2B_PRIVATE* priv) {
    size_t off = 0;
    public_.resize(sizeof(TPM2B_PUBLIC));
    TPM_TRY("Tss2_MU_TPM2B_PUBLIC_Marshal", Tss2_MU_TPM2B_PUBLIC_Marshal(pub, public_.data(), public_.size(), &off));
    public_.resize(off);
    off = 0;
    private_.resize(sizeof(TPM2B_PRIVATE));
    TPM_TRY("Tss2_MU_TPM2B_PRIVATE_Marshal",
            Tss2_MU_TPM2B_PRIVATE_Marshal(priv, private_.data(), private_.size(), &off));
    private_.resize(off);
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override {
    auto o = Napi::Object::New(env);
    o.Set("public", ToBuffer(env, public_));
    o.Set("private", ToBuffer(env, private_));
    o.Set("parentName", ToBuffer(env, parentName_));
    return o;
  }

 private:
  Bytes secret_, auth_, public_, private_;
  uint32_t pcrMask_;
};

// unseal(ctx, alg, public, private, authValue, pcrMask, parentName) -> Buffer. An empty parentName skips the
// check; a different one fails with PARENT_MISMATCH before anything is loaded (another TPM, or a cleared one).
class UnsealWorker : public PrimaryWorker {
 public:
  UnsealWorker(const Napi::CallbackInfo& info)
      : PrimaryWorker(info),
        public_(BytesArg(info, 2, sizeof(TPM2B_PUBLIC))),
        private_(BytesArg(info, 3, sizeof(TPM2B_PRIVATE))),
        auth_(BytesArg(info, 4, 32)),
        pcrMask_(U32Arg(info, 5)),
        expectedParent_(BytesArg(info, 6, sizeof(TPMU_NAME))) {}
  ~UnsealWorker() override {
    Wipe(auth_);
    Wipe(secret_);
  }

 protected:
  TSS2_RC Run() override {
    TPM2B_PUBLIC pub = {};
    TPM2B_PRIVATE priv = {};
    size_t off = 0;
    TPM_TRY("Tss2_MU_TPM2B_PUBLIC_Unmarshal", Tss2_MU_TPM2B_PUBLIC_Unmarshal(public_.data(), public_.size(), &off, &pub));
    off = 0;
    TPM_TRY("Tss2_MU_TPM2B_PRIVATE_Unmarshal",
            Tss2_MU_TPM2B_PRIVATE_Unmarshal(private_.data(), private_.size(), &off, &priv));

    FlushGuard primary(ctx_->esys);
    TSS2_RC rc = CreatePrimary(primary);
    if (rc != TSS2_RC_SUCCESS) return rc;
    if (!expectedParent_.empty() && expectedParent_ != parentName_) {
      addonCode_ = "PARENT_MISMATCH";
      return kAddonFailure;
    }
    FlushGuard object(ctx_->esys);
    TPM_TRY("Esys_Load", Esys_Load(ctx_->esys, primary.handle, ESYS_TR_PASSWORD, ESYS_TR_NONE, ESYS_TR_NONE, &priv,
                                   &pub, &object.handle));
    TPM2B_AUTH auth = {};
    auth.size = static_cast<UINT16>(auth_.size());
    std::memcpy(auth.buffer, auth_.data(), auth_.size());
    step_ = "Esys_TR_SetAuth";
    rc = Esys_TR_SetAuth(ctx_->esys, object.handle, &auth);
    Wipe(&auth, sizeof auth);
    if (rc != TSS2_RC_SUCCESS) return rc;

    FlushGuard session(ctx_->esys);
    rc = StartSession(primary.handle, pcrMask_ != 0 ? TPM2_SE_POLICY : TPM2_SE_HMAC, TPMA_SESSION_ENCRYPT, session);
    if (rc != TSS2_RC_SUCCESS) return rc;
    if (pcrMask_ != 0) {
      rc = ApplyPolicy(session.handle, pcrMask_, !auth_.empty());
      if (rc != TSS2_RC_SUCCESS) return rc;
    }
    TPM2B_SENSITIVE_DATA* out = nullptr;
    TPM_TRY("Esys_Unseal", Esys_Unseal(ctx_->esys, object.handle, session.handle, ESYS_TR_NONE, ESYS_TR_NONE, &out));
    secret_.assign(out->buffer, out->buffer + out->size);
    Wipe(out, sizeof *out);
    Esys_Free(out);
    return TSS2_RC_SUCCESS;
  }
  Napi::Value Result(Napi::Env env) override { return ToBuffer(env, secret_); }

 private:
  Bytes public_, private_, auth_;
  uint32_t pcrMask_;
  Bytes expectedParent_, secret_;
};

void InitSeal(Napi::Env env, Napi::Object exports) {
  exports.Set("createPrimary", Napi::Function::New(env, StartWorker<CreatePrimaryWorker>));
  exports.Set("seal", Napi::Function::New(env, StartWorker<SealWorker>));
  exports.Set("unseal", Napi::Function::New(env, StartWorker<UnsealWorker>));
}

}  // namespace tpm2
