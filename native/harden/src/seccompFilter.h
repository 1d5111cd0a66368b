// A seccomp filter for the KMS: no new programs (execve, execveat), no ptrace, no reading or writing another
// process's memory (process_vm_readv/writev). Installed on every thread at once (SECCOMP_FILTER_FLAG_TSYNC).
#pragma once
#if defined(__linux__)
#include <string>
#include <vector>

namespace sandbox {

struct SeccompResult {
  bool enforced = false;
  std::string arch;
  std::vector<std::string> denied;
  std::string error;
};

SeccompResult DenyDangerousSyscalls();

}  // namespace sandbox
#endif
