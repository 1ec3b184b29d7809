// Enters a network namespace on the calling thread for one scope and always returns to the
// thread's own namespace. nsFd < 0 means "stay where we are".
#pragma once
#include <fcntl.h>
#include <sched.h>
#include <unistd.h>

#include <cerrno>

#include "worker.h"

namespace fwctl {

class ScopedNetns {
 public:
  ScopedNetns(int nsFd, SysError& err) {
    if (nsFd < 0) {
      ok_ = true;
      return;
    }
    self_ = open("/proc/thread-self/ns/net", O_RDONLY | O_CLOEXEC);
    if (self_ < 0) {
      err.Set(errno, "open");
      return;
    }
    if (setns(nsFd, CLONE_NEWNET) != 0) {
      err.Set(errno, "setns");
      return;
    }
    ok_ = true;
  }

  ~ScopedNetns() {
    if (self_ >= 0) {
      if (ok_) setns(self_, CLONE_NEWNET);
      close(self_);
    }
  }

  bool ok() const { return ok_; }

  ScopedNetns(const ScopedNetns&) = delete;
  ScopedNetns& operator=(const ScopedNetns&) = delete;

 private:
  int self_ = -1;
  bool ok_ = false;
};

}  // namespace fwctl
