// Landlock restricts only the calling thread and the threads it creates afterwards. This applies a ruleset to the
// threads that exist already (V8's platform workers, libuv's thread pool), the way glibc broadcasts setuid: each
// thread receives a real-time signal and restricts itself in the handler.
#pragma once
#if defined(__linux__)
#include <sys/types.h>
#include <string>
#include <vector>

namespace sandbox {

struct ThreadOutcome {
  pid_t tid;
  /** "restricted", "signals blocked", "no answer", "exited", or "failed: <errno text>". */
  std::string outcome;
};

/**
 * Restricts every other thread of this process with `rulesetFd`, then the calling thread. `error` is set when the
 * broadcast could not start (its signal in use); the calling thread's own failure is the last outcome.
 */
std::vector<ThreadOutcome> RestrictAllThreads(int rulesetFd, std::string* error);

}  // namespace sandbox
#endif
