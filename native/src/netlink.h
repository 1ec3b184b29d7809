#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "worker.h"

namespace fwctl {

// Counters of one link, from the port's point of view (rx = received by the port).
struct LinkStats {
  uint32_t ifindex;
  uint64_t rxPackets, txPackets, rxBytes, txBytes, rxDropped, txDropped;
};

struct LinkName {
  uint32_t ifindex;
  uint32_t master;  // 0 when the link has no master (bridge)
  std::string name;
};

// One RTM_GETSTATS dump (IFLA_STATS_LINK_64) of every link in the namespace.
bool DumpLinkStats(int nsFd, std::vector<LinkStats>& out, SysError& err);
// One RTM_GETLINK dump: names and masters.
bool DumpLinkNames(int nsFd, std::vector<LinkName>& out, SysError& err);

}  // namespace fwctl
