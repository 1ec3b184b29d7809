#include "netlink.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <atomic>
#include <cerrno>
#include <cstring>

#include "netns.h"

namespace fwctl {
namespace {

// The kernel builds dump replies of at most 32 KiB (less the skb overhead); twice that never truncates.
constexpr size_t kRecvBuf = 1 << 16;

// Sequence numbers are unique per process, so replies left over from an abandoned dump on a
// long-lived socket (receive timeout) are recognised and skipped.
std::atomic<uint32_t> nextSeq{1};

// Sends a request (a dump when `dump`) and calls onMsg for every message of its reply: until
// NLMSG_DONE for a dump, else the one answer.
template <typename Req, typename OnMsg>
bool Request(int fd, Req& req, bool dump, OnMsg onMsg, SysError& err) {
  const uint32_t seq = nextSeq.fetch_add(1, std::memory_order_relaxed);
  req.nh.nlmsg_len = sizeof(req);
  req.nh.nlmsg_flags = NLM_F_REQUEST | (dump ? NLM_F_DUMP : 0);
  req.nh.nlmsg_seq = seq;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &req, sizeof(req), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
    return err.Set(errno, "sendto");
  alignas(nlmsghdr) static thread_local char buf[kRecvBuf];
  for (;;) {
    ssize_t n = recv(fd, buf, sizeof(buf), MSG_TRUNC);
    if (n < 0) {
      if (errno == EINTR) continue;
      return err.Set(errno, "recv");
    }
    if (static_cast<size_t>(n) > sizeof(buf)) return err.Set(EMSGSIZE, "recv");
    int len = static_cast<int>(n);
    for (auto* nh = reinterpret_cast<nlmsghdr*>(buf); NLMSG_OK(nh, len); nh = NLMSG_NEXT(nh, len)) {
      if (nh->nlmsg_seq != seq) continue;
      if (nh->nlmsg_type == NLMSG_DONE) return true;
      if (nh->nlmsg_type == NLMSG_ERROR) {
        auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(nh));
        if (e->error == 0) return true;
        return err.Set(-e->error, "recv");
      }
      onMsg(nh);
      if (!dump) return true;
    }
  }
}

struct GetLinkReq {
  nlmsghdr nh;
  ifinfomsg ifi;
  rtattr ext;
  uint32_t mask;
};

void ParseLink(nlmsghdr* nh, std::vector<LinkName>& out) {
  if (nh->nlmsg_type != RTM_NEWLINK) return;
  auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(nh));
  LinkName link{static_cast<uint32_t>(ifi->ifi_index), 0, {}};
  int alen = static_cast<int>(IFLA_PAYLOAD(nh));
  for (auto* rta = IFLA_RTA(ifi); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
    if (rta->rta_type == IFLA_IFNAME) link.name = static_cast<const char*>(RTA_DATA(rta));
    if (rta->rta_type == IFLA_MASTER) std::memcpy(&link.master, RTA_DATA(rta), sizeof(uint32_t));
  }
  out.push_back(std::move(link));
}

// RTM_GETLINK without statistics (they are most of each answer): for ifindex, or all links when 0.
bool GetLinks(int sock, uint32_t ifindex, std::vector<LinkName>& out, SysError& err) {
  GetLinkReq req{};
  req.nh.nlmsg_type = RTM_GETLINK;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ifi.ifi_index = static_cast<int>(ifindex);
  req.ext.rta_type = IFLA_EXT_MASK;
  req.ext.rta_len = RTA_LENGTH(sizeof(uint32_t));
  req.mask = RTEXT_FILTER_SKIP_STATS;
  return Request(sock, req, ifindex == 0, [&](nlmsghdr* nh) { ParseLink(nh, out); }, err);
}

}  // namespace

void StatsRows::Push(const double (&row)[kLinkStatsRow]) {
  if (size + kLinkStatsRow <= cap) {
    std::memcpy(dst + size, row, sizeof(row));
  } else {
    overflow.insert(overflow.end(), row, row + kLinkStatsRow);
  }
  size += kLinkStatsRow;
}

int OpenRouteSocket(int nsFd, SysError& err) {
  ScopedNetns ns(nsFd, err);
  if (!ns.ok()) return -1;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    err.Set(errno, "socket");
    return fd;
  }
  // A dump answers in milliseconds; never let a lost reply hold a libuv pool thread forever
  // (the pool is shared with fs work, including the daemon worker's state saves).
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

bool DumpLinkStats(int sock, StatsRows& out, SysError& err) {
  struct {
    nlmsghdr nh;
    if_stats_msg ifsm;
  } req{};
  req.nh.nlmsg_type = RTM_GETSTATS;
  req.ifsm.family = AF_UNSPEC;
  req.ifsm.filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
  return Request(sock, req, true, [&](nlmsghdr* nh) {
    if (nh->nlmsg_type != RTM_NEWSTATS) return;
    auto* ifsm = static_cast<if_stats_msg*>(NLMSG_DATA(nh));
    int alen = static_cast<int>(nh->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(*ifsm)));
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(ifsm) + NLMSG_ALIGN(sizeof(*ifsm)));
    for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
      if (rta->rta_type != IFLA_STATS_LINK_64 || RTA_PAYLOAD(rta) < sizeof(rtnl_link_stats64)) continue;
      rtnl_link_stats64 s;
      std::memcpy(&s, RTA_DATA(rta), sizeof(s));
      out.Push({double(ifsm->ifindex), double(s.rx_packets), double(s.tx_packets), double(s.rx_bytes),
                double(s.tx_bytes), double(s.rx_dropped), double(s.tx_dropped)});
    }
  }, err);
}

bool DumpLinkNames(int sock, std::vector<LinkName>& out, SysError& err) { return GetLinks(sock, 0, out, err); }

bool GetLinkNames(int sock, const std::vector<uint32_t>& ifindexes, std::vector<LinkName>& out, SysError& err) {
  for (uint32_t ifindex : ifindexes) {
    if (ifindex == 0) continue;
    SysError e;
    if (GetLinks(sock, ifindex, out, e) || e.err == ENODEV) continue;
    err = e;
    return false;
  }
  return true;
}

}  // namespace fwctl
