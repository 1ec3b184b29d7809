// Set element changes as raw nf_tables netlink messages: one atomic batch, without libnftables
// (which lists every set, element and named object of the table into its cache before it adds
// a single element). Only for what the caller has already reduced to kernel keys: the interval
// start and end keys of IP address sets (see src/apply/raw-elements.ts).
#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "worker.h"

namespace fwctl {

struct ElementMsg {
  uint8_t family = 0;  // NFPROTO_*
  std::string table;
  std::string set;
  bool add = false;
  uint32_t keyLen = 0;
  std::string keys;            // keyLen bytes per element, network order
  std::vector<uint8_t> ends;   // 1 = NFT_SET_ELEM_INTERVAL_END, per element
};

// Sends all messages as one batch in the namespace /run/netns/<netns> ("" = the process's own)
// and waits for every acknowledgement. A refused batch changes nothing (err: the first error).
bool NftElements(const std::string& netns, const std::vector<ElementMsg>& msgs, SysError& err);

}  // namespace fwctl
