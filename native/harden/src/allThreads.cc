// See allThreads.h. The handler calls only async-signal-safe functions (prctl, syscall, sem_post) and atomics.
#if defined(__linux__)
#include "allThreads.h"

#include <dirent.h>
#include <fcntl.h>
#include <semaphore.h>
#include <signal.h>
#include <sys/prctl.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <set>

#ifndef __NR_landlock_restrict_self
#define __NR_landlock_restrict_self 446
#endif

namespace sandbox {
namespace {

// A real-time signal nothing in Node or V8 uses (glibc keeps the first two for itself; SIGRTMIN is past them).
int BroadcastSignal() { return SIGRTMIN + 7; }

std::atomic<pid_t> g_target{0};
std::atomic<int> g_ruleset{-1};
std::atomic<int> g_result{0};
sem_t g_done;

pid_t Tid() { return static_cast<pid_t>(syscall(SYS_gettid)); }

/** 0 on success, else the errno of the failing call. */
int RestrictThisThread(int fd) {
  if (prctl(PR_SET_NO_NEW_PRIVS, 1, 0, 0, 0) != 0) return errno;
  if (syscall(__NR_landlock_restrict_self, fd, 0) != 0) return errno;
  return 0;
}

void OnSignal(int, siginfo_t* info, void*) {
  const int saved = errno;
  pid_t me = Tid();
  // Only our own tgkill for this very thread counts; a late or foreign signal changes nothing.
  if (info->si_code == SI_TKILL && info->si_pid == getpid() && g_target.compare_exchange_strong(me, 0)) {
    g_result.store(RestrictThisThread(g_ruleset.load()));
    sem_post(&g_done);
  }
  errno = saved;
}

std::string Failed(int err) { return std::string("failed: ") + std::strerror(err); }

/** Whether `tid` blocks `sig`, from /proc/self/task/TID/status (read before this thread restricts itself). */
bool BlocksSignal(pid_t tid, int sig) {
  char path[64];
  std::snprintf(path, sizeof path, "/proc/self/task/%d/status", static_cast<int>(tid));
  FILE* f = std::fopen(path, "re");
  if (!f) return false;
  char line[256];
  unsigned long long mask = 0;
  while (std::fgets(line, sizeof line, f)) {
    if (std::strncmp(line, "SigBlk:", 7) == 0) {
      mask = std::strtoull(line + 7, nullptr, 16);
      break;
    }
  }
  std::fclose(f);
  return (mask >> (sig - 1)) & 1ULL;
}

std::string RestrictOther(pid_t tid, int sig, bool checkMask) {
  if (checkMask && BlocksSignal(tid, sig)) return "signals blocked";
  g_result.store(0);
  g_target.store(tid);
  if (syscall(SYS_tgkill, getpid(), tid, sig) != 0) {
    const int err = errno;
    g_target.store(0);
    return err == ESRCH ? "exited" : Failed(err);
  }
  // A thread that accepts the signal answers within microseconds; the margin is for a machine under heavy load.
  timespec deadline;
  clock_gettime(CLOCK_REALTIME, &deadline);
  deadline.tv_sec += 2;
  int r;
  while ((r = sem_timedwait(&g_done, &deadline)) != 0 && errno == EINTR) {
  }
  if (r != 0) {
    pid_t expected = tid;
    if (g_target.compare_exchange_strong(expected, 0)) return "no answer";
    // The handler claimed the request just now: its answer follows.
    while (sem_wait(&g_done) != 0 && errno == EINTR) {
    }
  }
  const int err = g_result.load();
  return err == 0 ? "restricted" : Failed(err);
}

std::vector<pid_t> ListThreads(DIR* dir) {
  std::vector<pid_t> tids;
  rewinddir(dir);
  while (dirent* e = readdir(dir)) {
    if (e->d_name[0] >= '0' && e->d_name[0] <= '9') tids.push_back(static_cast<pid_t>(std::atoi(e->d_name)));
  }
  return tids;
}

}  // namespace

std::vector<ThreadOutcome> RestrictAllThreads(int rulesetFd, std::string* error) {
  std::vector<ThreadOutcome> out;
  const int sig = BroadcastSignal();
  struct sigaction old;
  sigaction(sig, nullptr, &old);
  const bool ours = (old.sa_flags & SA_SIGINFO) && old.sa_sigaction == OnSignal;
  if (!ours && old.sa_handler != SIG_DFL && old.sa_handler != SIG_IGN) {
    *error = "signal SIGRTMIN+7 is in use by something else in this process";
  }
  DIR* dir = error->empty() ? opendir("/proc/self/task") : nullptr;
  if (error->empty() && !dir) *error = std::string("cannot list /proc/self/task: ") + std::strerror(errno);
  if (!error->empty()) {
    const int err = RestrictThisThread(rulesetFd);
    out.push_back({Tid(), err == 0 ? "restricted" : Failed(err)});
    return out;
  }
  if (!ours) {
    static bool semReady = false;
    if (!semReady) semReady = sem_init(&g_done, 0, 0) == 0;
    struct sigaction sa;
    std::memset(&sa, 0, sizeof sa);
    sa.sa_sigaction = OnSignal;
    sa.sa_flags = SA_SIGINFO | SA_RESTART;
    sigfillset(&sa.sa_mask);
    sigaction(sig, &sa, nullptr);  // kept: a signal arriving late must never meet the default action (exit)
  }
  g_ruleset.store(rulesetFd);
  const pid_t self = Tid();
  std::set<pid_t> done{self};
  // Threads may start threads meanwhile: repeat until a pass finds none new.
  for (int pass = 0; pass < 8; pass++) {
    bool any = false;
    for (pid_t tid : ListThreads(dir)) {
      if (!done.insert(tid).second) continue;
      any = true;
      out.push_back({tid, RestrictOther(tid, sig, true)});
    }
    if (!any) break;
  }
  const int err = RestrictThisThread(rulesetFd);
  out.push_back({self, err == 0 ? "restricted" : Failed(err)});
  // A thread started by an unrestricted thread during the passes: reached by signal, its mask unreadable now.
  for (pid_t tid : ListThreads(dir)) {
    if (done.insert(tid).second) out.push_back({tid, RestrictOther(tid, sig, false)});
  }
  closedir(dir);
  g_ruleset.store(-1);
  return out;
}

}  // namespace sandbox
#endif
