#include "nft.h"
#include "fd.h"

#include <fcntl.h>
#include <linux/netlink.h>
#include <nftables/libnftables.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <map>
#include <mutex>

#include "netns.h"

namespace fwctl {
namespace {

struct Slot {
  nft_ctx* ctx = nullptr;
  dev_t dev = 0;
  ino_t ino = 0;
};

// libnftables keeps process-wide state (one-time init, interface cache): one caller at a time.
std::mutex mu;
std::map<std::string, Slot> slots;

std::string NsPath(const std::string& netns) { return netns.empty() ? "/proc/self/ns/net" : "/run/netns/" + netns; }

void Free(Slot& s) {
  if (s.ctx) nft_ctx_free(s.ctx);
  s.ctx = nullptr;
}

// A context whose namespace name is gone or now names another namespace only pins a dead
// namespace (and its links): drop it.
void Sweep(const std::string& keep) {
  for (auto it = slots.begin(); it != slots.end();) {
    struct stat st;
    if (it->first != keep && (stat(NsPath(it->first).c_str(), &st) != 0 || st.st_dev != it->second.dev || st.st_ino != it->second.ino)) {
      Free(it->second);
      it = slots.erase(it);
    } else {
      ++it;
    }
  }
}

// nft_ctx_new exits the process when it cannot open its netlink socket; find out first.
bool ProbeNetfilterSocket(SysError& err) {
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) return err.Set(errno, "socket");
  close(fd);
  return true;
}

nft_ctx* NewContext(SysError& err) {
  if (!ProbeNetfilterSocket(err)) return nullptr;
  nft_ctx* ctx = nft_ctx_new(NFT_CTX_DEFAULT);
  if (!ctx) {
    err.Set(ENOMEM, "nft_ctx_new");
    return nullptr;
  }
  // nft 1.0.6 has no input flags: JSON input is tried first when JSON output is on (as `nft -j`).
  nft_ctx_output_set_flags(ctx, NFT_CTX_OUTPUT_JSON);
  if (nft_ctx_buffer_output(ctx) != 0 || nft_ctx_buffer_error(ctx) != 0) {
    nft_ctx_free(ctx);
    err.Set(ENOMEM, "nft_ctx_buffer_output");
    return nullptr;
  }
  return ctx;
}

// A dry run evaluates against the context's cache and may edit it (deleting from an interval set
// removes the element from the cached set) while the kernel's generation stays the same, so the
// next run would trust the edited cache. libnftables drops its cache after any failed run and has
// no call for this: fail one in the parser, before anything reaches the kernel.
void DropCache(nft_ctx* ctx) {
  nft_run_cmd_from_buffer(ctx, "}");
  nft_ctx_get_output_buffer(ctx);
  nft_ctx_get_error_buffer(ctx);
}

}  // namespace

bool NftRun(const std::string& netns, const std::string& input, bool dryRun, NftResult& out, SysError& err) {
  std::lock_guard<std::mutex> lock(mu);
  UniqueFd nsFd(netns.empty() ? -1 : open(NsPath(netns).c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns.empty() && nsFd.get() < 0) return err.Set(errno, "open");
  struct stat st;
  if ((nsFd.get() >= 0 ? fstat(nsFd.get(), &st) : stat(NsPath(netns).c_str(), &st)) != 0) return err.Set(errno, "stat");

  Sweep(netns);
  auto it = slots.find(netns);
  if (it != slots.end() && (it->second.dev != st.st_dev || it->second.ino != st.st_ino)) {
    Free(it->second);  // the name now refers to a new namespace
    slots.erase(it);
    it = slots.end();
  }

  ScopedNetns inside(nsFd.get(), err);
  if (!inside.ok()) return false;
  if (it == slots.end()) {
    nft_ctx* ctx = NewContext(err);
    if (!ctx) return false;
    it = slots.emplace(netns, Slot{ctx, st.st_dev, st.st_ino}).first;
  }
  nft_ctx* ctx = it->second.ctx;
  nft_ctx_set_dry_run(ctx, dryRun);
  out.rc = nft_run_cmd_from_buffer(ctx, input.c_str());
  nft_ctx_set_dry_run(ctx, false);
  out.output = nft_ctx_get_output_buffer(ctx);
  out.error = nft_ctx_get_error_buffer(ctx);
  if (dryRun && out.rc == 0) DropCache(ctx);
  return true;
}

bool NftRelease(const std::string& netns) {
  std::lock_guard<std::mutex> lock(mu);
  auto it = slots.find(netns);
  if (it == slots.end()) return false;
  Free(it->second);
  slots.erase(it);
  return true;
}

}  // namespace fwctl
