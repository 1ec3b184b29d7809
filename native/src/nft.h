// In-process nft (libnftables): one context per network namespace, kept between calls because
// creating one costs (socket, cache). A context's netlink socket belongs to the namespace it was
// created in, so contexts are created, and run, inside that namespace on the worker thread.
#pragma once
#include <string>

#include "worker.h"

namespace fwctl {

struct NftResult {
  int rc = 0;           // nft_run_cmd_from_buffer's return value; 0 = success
  std::string output;   // nft's output buffer (empty for transactions without echo)
  std::string error;    // nft's error buffer: the messages `nft` prints on stderr
};

// Runs one libnftables-JSON (or nft syntax) buffer in the namespace /run/netns/<netns> ("" = the
// process's own). dryRun = `nft -c`. A false return with err set means nft never ran.
bool NftRun(const std::string& netns, const std::string& input, bool dryRun, NftResult& out, SysError& err);

// Frees the namespace's context (and with it the reference that keeps the namespace alive).
bool NftRelease(const std::string& netns);

}  // namespace fwctl
