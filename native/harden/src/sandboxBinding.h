// The sandbox functions the hardening addon exports (see sandboxBinding.cc).
#pragma once
#include <napi.h>

Napi::Value Sandbox(const Napi::CallbackInfo& info);
Napi::Value LandlockAbi(const Napi::CallbackInfo& info);
