#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "worker.h"

namespace fwctl {

struct LinkName {
  uint32_t ifindex;
  uint32_t master;  // 0 when the link has no master (bridge)
  std::string name;
};

// Doubles per link in DumpLinkStats' output: ifindex, then the counters from the port's point of
// view (rx = received by the port): rxPackets, txPackets, rxBytes, txBytes, rxDropped, txDropped.
constexpr size_t kLinkStatsRow = 7;

// Rows of a stats dump: into dst while they fit (cap doubles, owned by the caller), then into overflow.
struct StatsRows {
  double* dst = nullptr;
  size_t cap = 0;
  size_t size = 0;  // doubles in total: min(size, cap) in dst, the rest in overflow
  std::vector<double> overflow;

  void Push(const double (&row)[kLinkStatsRow]);
};

// A NETLINK_ROUTE socket created inside nsFd's namespace (nsFd < 0: the caller's). It stays bound
// to that namespace, so later dumps on it need no setns. Returns -1 and sets err on failure.
int OpenRouteSocket(int nsFd, SysError& err);

// One RTM_GETSTATS dump (IFLA_STATS_LINK_64 only) of every link; appends kLinkStatsRow doubles per link.
bool DumpLinkStats(int sock, StatsRows& out, SysError& err);
// One RTM_GETLINK dump without statistics: names and masters.
bool DumpLinkNames(int sock, std::vector<LinkName>& out, SysError& err);
// The same for the given links only, one request each; links that are gone are left out.
bool GetLinkNames(int sock, const std::vector<uint32_t>& ifindexes, std::vector<LinkName>& out, SysError& err);

}  // namespace fwctl
