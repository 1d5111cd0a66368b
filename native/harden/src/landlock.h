// The KMS's Landlock ruleset: read-only code and libraries, read-write store, devices, TCP connect by port, and
// the abstract-UNIX and signal scopes; each part used as far as the running kernel's ABI allows.
#pragma once
#if defined(__linux__)
#include <cstdint>
#include <string>
#include <vector>

#include "allThreads.h"

namespace sandbox {

struct LandlockPlan {
  std::vector<std::string> readOnly;   // files or directories
  std::vector<std::string> readWrite;  // directories (or files) the KMS writes
  std::vector<std::string> devices;    // device files read, written and ioctl'd (the TPM)
  std::vector<uint16_t> tcpConnect;    // ports the KMS may connect to (any address: Landlock matches ports only)
  bool scopeAbstractUnix = true;
  bool scopeSignal = true;
};

struct SkippedRule {
  std::string path;
  std::string reason;
};

struct LandlockResult {
  /** Kernel's Landlock ABI, or 0 where it has none. */
  int abi = 0;
  /** Why nothing was enforced (empty when enforced). */
  std::string error;
  uint64_t handledFs = 0;
  uint64_t handledNet = 0;
  uint64_t scoped = 0;
  std::vector<SkippedRule> skipped;
  std::vector<ThreadOutcome> threads;
  std::string threadError;
};

/** The running kernel's Landlock ABI version, or -errno. */
int LandlockAbi();

LandlockResult ApplyLandlock(const LandlockPlan& plan);

}  // namespace sandbox
#endif
