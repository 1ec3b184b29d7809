#pragma once
#include <cstdint>
#include <string>
#include <vector>

#include "worker.h"

namespace fwctl {

// Loads an eBPF object, reusing maps already pinned under pinDir (LIBBPF_PIN_BY_NAME) so that
// counters survive restarts, and pins every program at pinDir/<program name>.
bool LoadObject(const std::string& path, const std::string& pinDir,
                std::vector<std::string>& programs, SysError& err);

// tc clsact filters (handle 1, the given priority), one per ifindex; per-link errno in results
// (0 = done; ENOENT on detach/query = nothing there). Query yields the attached program id.
bool TcAttach(int nsFd, const std::string& progPin, const std::vector<uint32_t>& ifindexes,
              bool ingress, uint32_t priority, std::vector<int64_t>& results, SysError& err);
bool TcDetach(int nsFd, const std::vector<uint32_t>& ifindexes, bool ingress, uint32_t priority,
              std::vector<int64_t>& results, SysError& err);
bool TcQuery(int nsFd, const std::vector<uint32_t>& ifindexes, bool ingress, uint32_t priority,
             std::vector<int64_t>& results, SysError& err);

// XDP: attach (mode flags as in XDP_FLAGS_*), detach, query (attached program id, 0 if none).
bool XdpAttach(int nsFd, uint32_t ifindex, const std::string& progPin, uint32_t flags, SysError& err);
bool XdpDetach(int nsFd, uint32_t ifindex, uint32_t flags, SysError& err);
bool XdpQuery(int nsFd, uint32_t ifindex, uint32_t flags, uint32_t& progId, SysError& err);

struct ObjInfo {
  uint32_t id = 0;
  uint32_t type = 0;
  std::string name;
  uint32_t keySize = 0, valueSize = 0, maxEntries = 0;  // maps only
};
bool PinnedInfo(const std::string& pin, bool isMap, ObjInfo& info, SysError& err);
bool ProgInfoById(uint32_t id, ObjInfo& info, SysError& err);

// Every entry of a pinned map; per-CPU maps yield valueSize rounded to 8 times possible CPUs.
struct MapDump {
  uint32_t keySize = 0, valueSize = 0, cpus = 1, count = 0;
  std::vector<uint8_t> keys, values;
};
bool MapLookupAll(const std::string& pin, MapDump& out, SysError& err);
// Updates (or deletes, when values is empty) count entries; per-entry errno in results.
bool MapWrite(const std::string& pin, const std::vector<uint8_t>& keys,
              const std::vector<uint8_t>& values, uint32_t count, uint64_t flags,
              std::vector<int64_t>& results, SysError& err);

bool MountBpffs(const std::string& path, SysError& err);

}  // namespace fwctl
