#include "netlink.h"

#include <linux/if_link.h>
#include <linux/netlink.h>
#include <linux/rtnetlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

#include "fd.h"
#include "netns.h"

namespace fwctl {
namespace {

int OpenRoute(int nsFd, SysError& err) {
  ScopedNetns ns(nsFd, err);
  if (!ns.ok()) return -1;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_ROUTE);
  if (fd < 0) {
    err.Set(errno, "socket");
    return fd;
  }
  // A dump answers in microseconds; never let a lost reply hold a libuv pool thread forever
  // (the pool is shared with fs work, including the daemon worker's state saves).
  timeval tv{2, 0};
  setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  return fd;
}

// Sends a dump request and calls onMsg for every message until NLMSG_DONE.
template <typename Req, typename OnMsg>
bool Dump(int fd, Req& req, OnMsg onMsg, SysError& err) {
  req.nh.nlmsg_len = sizeof(req);
  req.nh.nlmsg_flags = NLM_F_REQUEST | NLM_F_DUMP;
  req.nh.nlmsg_seq = 1;
  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  if (sendto(fd, &req, sizeof(req), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof(kernel)) < 0)
    return err.Set(errno, "sendto");
  std::vector<char> buf(1 << 16);
  for (;;) {
    ssize_t n = recv(fd, buf.data(), buf.size(), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      return err.Set(errno, "recv");
    }
    int len = static_cast<int>(n);
    for (auto* nh = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nh, len);
         nh = NLMSG_NEXT(nh, len)) {
      if (nh->nlmsg_type == NLMSG_DONE) return true;
      if (nh->nlmsg_type == NLMSG_ERROR) {
        auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(nh));
        if (e->error == 0) return true;
        return err.Set(-e->error, "recv");
      }
      onMsg(nh);
    }
  }
}

}  // namespace

bool DumpLinkStats(int nsFd, std::vector<LinkStats>& out, SysError& err) {
  UniqueFd sock(OpenRoute(nsFd, err));
  if (sock.get() < 0) return false;
  struct {
    nlmsghdr nh;
    if_stats_msg ifsm;
  } req{};
  req.nh.nlmsg_type = RTM_GETSTATS;
  req.ifsm.family = AF_UNSPEC;
  req.ifsm.filter_mask = IFLA_STATS_FILTER_BIT(IFLA_STATS_LINK_64);
  return Dump(sock.get(), req, [&](nlmsghdr* nh) {
    if (nh->nlmsg_type != RTM_NEWSTATS) return;
    auto* ifsm = static_cast<if_stats_msg*>(NLMSG_DATA(nh));
    int alen = static_cast<int>(nh->nlmsg_len) - static_cast<int>(NLMSG_LENGTH(sizeof(*ifsm)));
    auto* rta = reinterpret_cast<rtattr*>(reinterpret_cast<char*>(ifsm) + NLMSG_ALIGN(sizeof(*ifsm)));
    for (; RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
      if (rta->rta_type != IFLA_STATS_LINK_64 || RTA_PAYLOAD(rta) < sizeof(rtnl_link_stats64)) continue;
      rtnl_link_stats64 s;
      std::memcpy(&s, RTA_DATA(rta), sizeof(s));
      out.push_back({ifsm->ifindex, s.rx_packets, s.tx_packets, s.rx_bytes, s.tx_bytes,
                     s.rx_dropped, s.tx_dropped});
    }
  }, err);
}

bool DumpLinkNames(int nsFd, std::vector<LinkName>& out, SysError& err) {
  UniqueFd sock(OpenRoute(nsFd, err));
  if (sock.get() < 0) return false;
  struct {
    nlmsghdr nh;
    ifinfomsg ifi;
    rtattr ext;
    uint32_t mask;
  } req{};
  req.nh.nlmsg_type = RTM_GETLINK;
  req.ifi.ifi_family = AF_UNSPEC;
  req.ext.rta_type = IFLA_EXT_MASK;
  req.ext.rta_len = RTA_LENGTH(sizeof(uint32_t));
  req.mask = 0;
  return Dump(sock.get(), req, [&](nlmsghdr* nh) {
    if (nh->nlmsg_type != RTM_NEWLINK) return;
    auto* ifi = static_cast<ifinfomsg*>(NLMSG_DATA(nh));
    LinkName link{static_cast<uint32_t>(ifi->ifi_index), 0, {}};
    int alen = static_cast<int>(IFLA_PAYLOAD(nh));
    for (auto* rta = IFLA_RTA(ifi); RTA_OK(rta, alen); rta = RTA_NEXT(rta, alen)) {
      if (rta->rta_type == IFLA_IFNAME) link.name = static_cast<const char*>(RTA_DATA(rta));
      if (rta->rta_type == IFLA_MASTER) std::memcpy(&link.master, RTA_DATA(rta), sizeof(uint32_t));
    }
    out.push_back(std::move(link));
  }, err);
}

}  // namespace fwctl
