// See landlock.h. Rules are added from file descriptors opened with O_PATH, so a path that is missing is skipped
// and reported, never a reason to fail open.
#if defined(__linux__)
#include "landlock.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "landlockAbi.h"

#ifndef __NR_landlock_create_ruleset
#define __NR_landlock_create_ruleset 444
#define __NR_landlock_add_rule 445
#endif

namespace sandbox {
namespace {

using namespace landlock;

enum class Use { kRead, kReadWrite, kDevice };

uint64_t RightsFor(Use use, bool isDir, uint64_t handled) {
  uint64_t want = 0;
  switch (use) {
    case Use::kRead:
      want = kReadFile | kReadDir;
      break;
    case Use::kReadWrite:
      // Everything a SQLite store needs (files, WAL, renames inside it), never execute or special files.
      want = kReadFile | kReadDir | kWriteFile | kTruncate | kMakeReg | kMakeDir | kRemoveFile | kRemoveDir | kRefer;
      break;
    case Use::kDevice:
      want = kReadFile | kWriteFile | kIoctlDev;
      break;
  }
  if (!isDir) want &= kFileRights;
  return want & handled;
}

void AddPathRule(int ruleset, const std::string& path, Use use, uint64_t handled, LandlockResult* out) {
  const int fd = open(path.c_str(), O_PATH | O_CLOEXEC);
  if (fd < 0) {
    out->skipped.push_back({path, std::strerror(errno)});
    return;
  }
  struct stat st;
  const bool isDir = fstat(fd, &st) == 0 && S_ISDIR(st.st_mode);
  PathBeneathAttr attr{RightsFor(use, isDir, handled), fd};
  if (syscall(__NR_landlock_add_rule, ruleset, kRulePathBeneath, &attr, 0) != 0) {
    out->skipped.push_back({path, std::strerror(errno)});
  }
  close(fd);
}

}  // namespace

int LandlockAbi() {
  const long abi = syscall(__NR_landlock_create_ruleset, nullptr, 0, kCreateRulesetVersion);
  return abi < 0 ? -errno : static_cast<int>(abi);
}

LandlockResult ApplyLandlock(const LandlockPlan& plan) {
  LandlockResult out;
  const int abi = LandlockAbi();
  if (abi <= 0) {
    const int err = -abi;
    out.error = err == ENOSYS ? "the kernel has no Landlock (ENOSYS)"
                : err == EOPNOTSUPP ? "Landlock is built in but disabled at boot (EOPNOTSUPP; add landlock to lsm=)"
                : std::string("Landlock ABI query failed: ") + std::strerror(err);
    return out;
  }
  out.abi = abi;
  RulesetAttr attr{FsRightsFor(abi), 0, 0};
  size_t size = sizeof(uint64_t);
  if (abi >= 4) {
    attr.handledAccessNet = kBindTcp | kConnectTcp;
    size = 2 * sizeof(uint64_t);
  }
  if (abi >= 6) {
    attr.scoped = (plan.scopeAbstractUnix ? kScopeAbstractUnix : 0) | (plan.scopeSignal ? kScopeSignal : 0);
    size = sizeof attr;
  }
  const int ruleset = static_cast<int>(syscall(__NR_landlock_create_ruleset, &attr, size, 0));
  if (ruleset < 0) {
    out.error = std::string("landlock_create_ruleset failed: ") + std::strerror(errno);
    return out;
  }
  out.handledFs = attr.handledAccessFs;
  out.handledNet = attr.handledAccessNet;
  out.scoped = attr.scoped;
  for (const auto& p : plan.readOnly) AddPathRule(ruleset, p, Use::kRead, attr.handledAccessFs, &out);
  for (const auto& p : plan.readWrite) AddPathRule(ruleset, p, Use::kReadWrite, attr.handledAccessFs, &out);
  for (const auto& p : plan.devices) AddPathRule(ruleset, p, Use::kDevice, attr.handledAccessFs, &out);
  if (abi >= 4) {
    for (uint16_t port : plan.tcpConnect) {
      NetPortAttr net{kConnectTcp, port};
      if (syscall(__NR_landlock_add_rule, ruleset, kRuleNetPort, &net, 0) != 0) {
        out.skipped.push_back({"tcp:" + std::to_string(port), std::strerror(errno)});
      }
    }
  }
  out.threads = RestrictAllThreads(ruleset, &out.threadError);
  close(ruleset);
  return out;
}

}  // namespace sandbox
#endif
