// See seccompFilter.h. A hand-written classic BPF program: it checks the architecture first (a syscall made through
// another ABI, such as int 0x80 on x86-64, has other numbers) and kills the process on a foreign one; denied calls
// fail with EPERM so callers get an error, not a crash.
#if defined(__linux__)
#include "seccompFilter.h"

#include <linux/audit.h>
#include <linux/filter.h>
#include <linux/seccomp.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cerrno>
#include <cstddef>
#include <cstring>

namespace sandbox {
namespace {

#if defined(__x86_64__)
constexpr unsigned kArch = AUDIT_ARCH_X86_64;
constexpr const char* kArchName = "x86_64";
#elif defined(__aarch64__)
constexpr unsigned kArch = AUDIT_ARCH_AARCH64;
constexpr const char* kArchName = "aarch64";
#endif

struct Denied {
  long nr;
  const char* name;
};

}  // namespace

SeccompResult DenyDangerousSyscalls() {
  SeccompResult out;
#if defined(__x86_64__) || defined(__aarch64__)
  out.arch = kArchName;
  const Denied denied[] = {
      {SYS_execve, "execve"}, {SYS_execveat, "execveat"}, {SYS_ptrace, "ptrace"},
      {SYS_process_vm_readv, "process_vm_readv"}, {SYS_process_vm_writev, "process_vm_writev"},
  };
  std::vector<sock_filter> prog = {
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, arch)),
      BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, kArch, 1, 0),
      BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_KILL_PROCESS),
      BPF_STMT(BPF_LD | BPF_W | BPF_ABS, offsetof(seccomp_data, nr)),
  };
#if defined(__x86_64__)
  // x32 calls share AUDIT_ARCH_X86_64 and set bit 30 of the number: refuse them all.
  prog.push_back(BPF_JUMP(BPF_JMP | BPF_JGE | BPF_K, 0x40000000U, 0, 1));
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
#endif
  for (const Denied& d : denied) {
    prog.push_back(BPF_JUMP(BPF_JMP | BPF_JEQ | BPF_K, static_cast<unsigned>(d.nr), 0, 1));
    prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ERRNO | EPERM));
    out.denied.push_back(d.name);
  }
  prog.push_back(BPF_STMT(BPF_RET | BPF_K, SECCOMP_RET_ALLOW));
  sock_fprog fprog{static_cast<unsigned short>(prog.size()), prog.data()};
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) {
    out.error = std::string("PR_SET_NO_NEW_PRIVS failed: ") + std::strerror(errno);
    return out;
  }
  // TSYNC puts the filter (and no_new_privs) on every thread; a positive result names a thread that could not.
  const long r = syscall(SYS_seccomp, SECCOMP_SET_MODE_FILTER, SECCOMP_FILTER_FLAG_TSYNC, &fprog);
  if (r == 0) {
    out.enforced = true;
  } else if (r > 0) {
    out.error = "thread " + std::to_string(r) + " could not take the filter (SECCOMP_FILTER_FLAG_TSYNC)";
  } else {
    out.error = errno == ENOSYS || errno == EINVAL ? std::string("the kernel has no seccomp filters (") + std::strerror(errno) + ")"
                                                   : std::string("seccomp failed: ") + std::strerror(errno);
  }
#else
  out.error = "the seccomp filter is written for x86_64 and aarch64 only";
#endif
  return out;
}

}  // namespace sandbox
#endif
