// Landlock's user API, declared here rather than taken from <linux/landlock.h>: Debian 12's headers stop at ABI 2,
// while the kernels this runs on reach ABI 7. Values from the kernel's include/uapi/linux/landlock.h.
#pragma once
#if defined(__linux__)
#include <cstdint>

namespace landlock {

// Access rights for files and directories (ABI in brackets).
constexpr uint64_t kExecute = 1ULL << 0;      // [1]
constexpr uint64_t kWriteFile = 1ULL << 1;    // [1]
constexpr uint64_t kReadFile = 1ULL << 2;     // [1]
constexpr uint64_t kReadDir = 1ULL << 3;      // [1]
constexpr uint64_t kRemoveDir = 1ULL << 4;    // [1]
constexpr uint64_t kRemoveFile = 1ULL << 5;   // [1]
constexpr uint64_t kMakeChar = 1ULL << 6;     // [1]
constexpr uint64_t kMakeDir = 1ULL << 7;      // [1]
constexpr uint64_t kMakeReg = 1ULL << 8;      // [1]
constexpr uint64_t kMakeSock = 1ULL << 9;     // [1]
constexpr uint64_t kMakeFifo = 1ULL << 10;    // [1]
constexpr uint64_t kMakeBlock = 1ULL << 11;   // [1]
constexpr uint64_t kMakeSym = 1ULL << 12;     // [1]
constexpr uint64_t kRefer = 1ULL << 13;       // [2]
constexpr uint64_t kTruncate = 1ULL << 14;    // [3]
constexpr uint64_t kIoctlDev = 1ULL << 15;    // [5]

// Rights a rule on a regular file (not a directory) may carry.
constexpr uint64_t kFileRights = kExecute | kWriteFile | kReadFile | kTruncate | kIoctlDev;

// TCP rights [4]: rules name a port, not an address.
constexpr uint64_t kBindTcp = 1ULL << 0;
constexpr uint64_t kConnectTcp = 1ULL << 1;

// Scopes [6]: abstract UNIX sockets and signals of processes outside the domain.
constexpr uint64_t kScopeAbstractUnix = 1ULL << 0;
constexpr uint64_t kScopeSignal = 1ULL << 1;

constexpr uint32_t kCreateRulesetVersion = 1U << 0;
constexpr int kRulePathBeneath = 1;
constexpr int kRuleNetPort = 2;

// The ruleset attribute grows with the ABI; the kernel takes any prefix it knows.
struct RulesetAttr {
  uint64_t handledAccessFs;
  uint64_t handledAccessNet;  // [4]
  uint64_t scoped;            // [6]
};

struct PathBeneathAttr {
  uint64_t allowedAccess;
  int32_t parentFd;
} __attribute__((packed));

struct NetPortAttr {
  uint64_t allowedAccess;
  uint64_t port;
};

/** Rights for files and directories this ABI knows. */
inline uint64_t FsRightsFor(int abi) {
  uint64_t all = (kMakeSym << 1) - 1;  // ABI 1: bits 0..12
  if (abi >= 2) all |= kRefer;
  if (abi >= 3) all |= kTruncate;
  if (abi >= 5) all |= kIoctlDev;
  return all;
}

}  // namespace landlock
#endif
