#include "bpf_ops.h"
#include "fd.h"

#include <bpf/bpf.h>
#include <bpf/libbpf.h>
#include <linux/if_link.h>
#include <sys/mount.h>
#include <sys/stat.h>
#include <sys/vfs.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "netns.h"

namespace fwctl {
namespace {

constexpr long kBpfFsMagic = 0xcafe4a11;

bool IsMapPerCpu(uint32_t type) {
  return type == BPF_MAP_TYPE_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_ARRAY ||
         type == BPF_MAP_TYPE_LRU_PERCPU_HASH || type == BPF_MAP_TYPE_PERCPU_CGROUP_STORAGE;
}

bpf_tc_hook Hook(uint32_t ifindex, bool ingress) {
  bpf_tc_hook hook{};
  hook.sz = sizeof(hook);
  hook.ifindex = static_cast<int>(ifindex);
  hook.attach_point = ingress ? BPF_TC_INGRESS : BPF_TC_EGRESS;
  return hook;
}

bpf_tc_opts Opts(uint32_t priority) {
  bpf_tc_opts opts{};
  opts.sz = sizeof(opts);
  opts.handle = 1;
  opts.priority = priority;
  return opts;
}

}  // namespace

bool MountBpffs(const std::string& path, SysError& err) {
  struct statfs st {};
  if (statfs(path.c_str(), &st) == 0 && st.f_type == kBpfFsMagic) return true;
  if (mkdir(path.c_str(), 0700) != 0 && errno != EEXIST) return err.Set(errno, "mkdir");
  if (mount("bpf", path.c_str(), "bpf", 0, "mode=0700") != 0) return err.Set(errno, "mount");
  return true;
}

bool LoadObject(const std::string& path, const std::string& pinDir,
                std::vector<std::string>& programs, SysError& err) {
  if (mkdir(pinDir.c_str(), 0700) != 0 && errno != EEXIST) return err.Set(errno, "mkdir");
  bpf_object_open_opts opts{};
  opts.sz = sizeof(opts);
  opts.pin_root_path = pinDir.c_str();
  bpf_object* obj = bpf_object__open_file(path.c_str(), &opts);
  int rc = libbpf_get_error(obj);
  if (rc != 0) return err.Set(-rc, "bpf_object__open_file");
  rc = bpf_object__load(obj);
  if (rc != 0) {
    bpf_object__close(obj);
    return err.Set(-rc, "bpf_object__load");
  }
  bpf_program* prog;
  bpf_object__for_each_program(prog, obj) {
    std::string pin = pinDir + "/" + bpf_program__name(prog);
    unlink(pin.c_str());  // replace a program pinned by an earlier run
    rc = bpf_program__pin(prog, pin.c_str());
    if (rc != 0) {
      bpf_object__close(obj);
      return err.Set(-rc, "bpf_program__pin");
    }
    programs.emplace_back(bpf_program__name(prog));
  }
  bpf_object__close(obj);  // the pins keep programs and maps alive
  return true;
}

bool TcAttach(int nsFd, const std::string& progPin, const std::vector<uint32_t>& ifindexes,
              bool ingress, uint32_t priority, std::vector<int64_t>& results, SysError& err) {
  UniqueFd prog(bpf_obj_get(progPin.c_str()));
  if (prog.get() < 0) return err.Set(errno, "bpf_obj_get");
  ScopedNetns ns(nsFd, err);
  if (!ns.ok()) return false;
  for (uint32_t ifindex : ifindexes) {
    bpf_tc_hook hook = Hook(ifindex, ingress);
    int rc = bpf_tc_hook_create(&hook);
    if (rc != 0 && rc != -EEXIST) {
      results.push_back(-rc);
      continue;
    }
    bpf_tc_opts opts = Opts(priority);
    opts.prog_fd = prog.get();
    opts.flags = BPF_TC_F_REPLACE;
    rc = bpf_tc_attach(&hook, &opts);
    results.push_back(rc == 0 ? 0 : -rc);
  }
  return true;
}

bool TcDetach(int nsFd, const std::vector<uint32_t>& ifindexes, bool ingress, uint32_t priority,
              std::vector<int64_t>& results, SysError& err) {
  ScopedNetns ns(nsFd, err);
  if (!ns.ok()) return false;
  for (uint32_t ifindex : ifindexes) {
    bpf_tc_hook hook = Hook(ifindex, ingress);
    bpf_tc_opts opts = Opts(priority);
    int rc = bpf_tc_detach(&hook, &opts);
    results.push_back(rc == 0 ? 0 : -rc);
  }
  return true;
}

bool TcQuery(int nsFd, const std::vector<uint32_t>& ifindexes, bool ingress, uint32_t priority,
             std::vector<int64_t>& results, SysError& err) {
  ScopedNetns ns(nsFd, err);
  if (!ns.ok()) return false;
  for (uint32_t ifindex : ifindexes) {
    bpf_tc_hook hook = Hook(ifindex, ingress);
    bpf_tc_opts opts = Opts(priority);
    int rc = bpf_tc_query(&hook, &opts);
    results.push_back(rc == 0 ? static_cast<int64_t>(opts.prog_id) : 0);
  }
  return true;
}

bool XdpAttach(int nsFd, uint32_t ifindex, const std::string& progPin, uint32_t flags, SysError& err) {
  UniqueFd prog(bpf_obj_get(progPin.c_str()));
  if (prog.get() < 0) return err.Set(errno, "bpf_obj_get");
  ScopedNetns ns(nsFd, err);
  if (!ns.ok()) return false;
  int rc = bpf_xdp_attach(static_cast<int>(ifindex), prog.get(), flags, nullptr);
  return rc == 0 || err.Set(-rc, "bpf_xdp_attach");
}

bool XdpDetach(int nsFd, uint32_t ifindex, uint32_t flags, SysError& err) {
  ScopedNetns ns(nsFd, err);
  if (!ns.ok()) return false;
  int rc = bpf_xdp_detach(static_cast<int>(ifindex), flags, nullptr);
  return rc == 0 || err.Set(-rc, "bpf_xdp_detach");
}

bool XdpQuery(int nsFd, uint32_t ifindex, uint32_t flags, uint32_t& progId, SysError& err) {
  ScopedNetns ns(nsFd, err);
  if (!ns.ok()) return false;
  __u32 id = 0;
  int rc = bpf_xdp_query_id(static_cast<int>(ifindex), static_cast<int>(flags), &id);
  progId = id;
  return rc == 0 || err.Set(-rc, "bpf_xdp_query_id");
}

bool PinnedInfo(const std::string& pin, bool isMap, ObjInfo& info, SysError& err) {
  UniqueFd fd(bpf_obj_get(pin.c_str()));
  if (fd.get() < 0) return err.Set(errno, "bpf_obj_get");
  if (isMap) {
    bpf_map_info mi{};
    __u32 len = sizeof(mi);
    if (bpf_obj_get_info_by_fd(fd.get(), &mi, &len) != 0) return err.Set(errno, "bpf_obj_get_info_by_fd");
    info = {mi.id, mi.type, mi.name, mi.key_size, mi.value_size, mi.max_entries};
  } else {
    bpf_prog_info pi{};
    __u32 len = sizeof(pi);
    if (bpf_obj_get_info_by_fd(fd.get(), &pi, &len) != 0) return err.Set(errno, "bpf_obj_get_info_by_fd");
    info.id = pi.id;
    info.type = pi.type;
    info.name = pi.name;
  }
  return true;
}

bool ProgInfoById(uint32_t id, ObjInfo& info, SysError& err) {
  UniqueFd fd(bpf_prog_get_fd_by_id(id));
  if (fd.get() < 0) return err.Set(errno, "bpf_prog_get_fd_by_id");
  bpf_prog_info pi{};
  __u32 len = sizeof(pi);
  if (bpf_obj_get_info_by_fd(fd.get(), &pi, &len) != 0) return err.Set(errno, "bpf_obj_get_info_by_fd");
  info.id = pi.id;
  info.type = pi.type;
  info.name = pi.name;
  return true;
}

bool MapLookupAll(const std::string& pin, MapDump& out, SysError& err) {
  UniqueFd fd(bpf_obj_get(pin.c_str()));
  if (fd.get() < 0) return err.Set(errno, "bpf_obj_get");
  bpf_map_info mi{};
  __u32 len = sizeof(mi);
  if (bpf_obj_get_info_by_fd(fd.get(), &mi, &len) != 0) return err.Set(errno, "bpf_obj_get_info_by_fd");
  out.keySize = mi.key_size;
  if (IsMapPerCpu(mi.type)) {
    int cpus = libbpf_num_possible_cpus();
    if (cpus < 0) return err.Set(-cpus, "libbpf_num_possible_cpus");
    out.cpus = static_cast<uint32_t>(cpus);
    out.valueSize = ((mi.value_size + 7) & ~7u) * out.cpus;
  } else {
    out.valueSize = mi.value_size;
  }
  const uint32_t chunk = mi.max_entries < 4096 ? (mi.max_entries ? mi.max_entries : 1) : 4096;
  std::vector<uint8_t> keys(static_cast<size_t>(chunk) * out.keySize);
  std::vector<uint8_t> values(static_cast<size_t>(chunk) * out.valueSize);
  std::vector<uint8_t> inBatch(out.keySize < 8 ? 8 : out.keySize), outBatch(inBatch.size());
  bool first = true;
  for (;;) {
    __u32 n = chunk;
    int rc = bpf_map_lookup_batch(fd.get(), first ? nullptr : inBatch.data(), outBatch.data(),
                                  keys.data(), values.data(), &n, nullptr);
    int e = rc != 0 ? errno : 0;
    if (rc != 0 && e != ENOENT) {
      if (!first || (e != EINVAL && e != ENOTSUP && e != EOPNOTSUPP)) return err.Set(e, "bpf_map_lookup_batch");
      break;  // no batch support for this map type: iterate below
    }
    out.keys.insert(out.keys.end(), keys.begin(), keys.begin() + static_cast<long>(n) * out.keySize);
    out.values.insert(out.values.end(), values.begin(), values.begin() + static_cast<long>(n) * out.valueSize);
    out.count += n;
    if (e == ENOENT) return true;
    inBatch = outBatch;
    first = false;
  }
  std::vector<uint8_t> key(out.keySize), next(out.keySize), value(out.valueSize);
  bool start = true;
  while (bpf_map_get_next_key(fd.get(), start ? nullptr : key.data(), next.data()) == 0) {
    start = false;
    key = next;
    if (bpf_map_lookup_elem(fd.get(), key.data(), value.data()) != 0) continue;  // deleted meanwhile
    out.keys.insert(out.keys.end(), key.begin(), key.end());
    out.values.insert(out.values.end(), value.begin(), value.end());
    out.count++;
  }
  return true;
}

bool MapWrite(const std::string& pin, const std::vector<uint8_t>& keys,
              const std::vector<uint8_t>& values, uint32_t count, uint64_t flags,
              std::vector<int64_t>& results, SysError& err) {
  UniqueFd fd(bpf_obj_get(pin.c_str()));
  if (fd.get() < 0) return err.Set(errno, "bpf_obj_get");
  if (count == 0) return true;
  size_t keySize = keys.size() / count;
  size_t valueSize = values.empty() ? 0 : values.size() / count;
  for (uint32_t i = 0; i < count; i++) {
    const uint8_t* k = keys.data() + i * keySize;
    int rc = values.empty() ? bpf_map_delete_elem(fd.get(), k)
                            : bpf_map_update_elem(fd.get(), k, values.data() + i * valueSize, flags);
    results.push_back(rc == 0 ? 0 : errno);
  }
  return true;
}

}  // namespace fwctl
