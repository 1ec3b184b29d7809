#include "nft_elements.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <linux/netfilter.h>
#include <linux/netfilter/nf_tables.h>
#include <linux/netfilter/nfnetlink.h>
#include <linux/netlink.h>
#include <sys/socket.h>
#include <sys/time.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <ctime>

#include "fd.h"
#include "netns.h"

namespace fwctl {
namespace {

// A growing buffer of netlink messages with nested attributes.
class Builder {
 public:
  size_t Begin(uint16_t type, uint16_t flags, uint8_t family, uint16_t resId, uint32_t seq) {
    size_t at = Align();
    buf_.resize(at + NLMSG_HDRLEN + NLMSG_ALIGN(sizeof(nfgenmsg)));
    auto* nh = reinterpret_cast<nlmsghdr*>(&buf_[at]);
    nh->nlmsg_type = type;
    nh->nlmsg_flags = NLM_F_REQUEST | flags;
    nh->nlmsg_seq = seq;
    nh->nlmsg_pid = 0;
    auto* nf = reinterpret_cast<nfgenmsg*>(&buf_[at + NLMSG_HDRLEN]);
    nf->nfgen_family = family;
    nf->version = NFNETLINK_V0;
    nf->res_id = htons(resId);
    return at;
  }
  void End(size_t msg) { reinterpret_cast<nlmsghdr*>(&buf_[msg])->nlmsg_len = static_cast<uint32_t>(buf_.size() - msg); }

  void Attr(uint16_t type, const void* data, size_t len) {
    size_t at = Align();
    buf_.resize(at + NLA_HDRLEN + len);
    auto* a = reinterpret_cast<nlattr*>(&buf_[at]);
    a->nla_type = type;
    a->nla_len = static_cast<uint16_t>(NLA_HDRLEN + len);
    if (len) memcpy(&buf_[at + NLA_HDRLEN], data, len);
  }
  void Str(uint16_t type, const std::string& s) { Attr(type, s.c_str(), s.size() + 1); }
  void U32(uint16_t type, uint32_t v) {
    uint32_t be = htonl(v);
    Attr(type, &be, sizeof be);
  }
  size_t Nest(uint16_t type) {
    size_t at = Align();
    Attr(type | NLA_F_NESTED, nullptr, 0);
    return at;
  }
  // Nested attribute lengths are 16 bits: the caller keeps each nest well below 64 KiB.
  void Close(size_t nest) { reinterpret_cast<nlattr*>(&buf_[nest])->nla_len = static_cast<uint16_t>(buf_.size() - nest); }

  const std::vector<char>& Bytes() const { return buf_; }

 private:
  size_t Align() {
    size_t at = NLMSG_ALIGN(buf_.size());
    buf_.resize(at);
    return at;
  }
  std::vector<char> buf_;
};

// Elements per NEWSETELEM/DELSETELEM message: keeps the nested list under 64 KiB for 16-byte keys.
constexpr size_t kPerMsg = 1024;

int OpenNfSocket(int nsFd, SysError& err) {
  ScopedNetns inside(nsFd, err);
  if (!inside.ok()) return -1;
  int fd = socket(AF_NETLINK, SOCK_RAW | SOCK_CLOEXEC, NETLINK_NETFILTER);
  if (fd < 0) err.Set(errno, "socket");
  return fd;
}

}  // namespace

bool NftElements(const std::string& netns, const std::vector<ElementMsg>& msgs, SysError& err) {
  UniqueFd nsFd(netns.empty() ? -1 : open(("/run/netns/" + netns).c_str(), O_RDONLY | O_CLOEXEC));
  if (!netns.empty() && nsFd.get() < 0) return err.Set(errno, "open");
  // the socket belongs to the namespace it is created in; it is used from outside
  UniqueFd sock(OpenNfSocket(nsFd.get(), err));
  if (sock.get() < 0) return false;
  sockaddr_nl local{};
  local.nl_family = AF_NETLINK;
  if (bind(sock.get(), reinterpret_cast<sockaddr*>(&local), sizeof local) != 0) return err.Set(errno, "bind");
  timeval tv{5, 0};  // a kernel that never answers must not hang the caller
  setsockopt(sock.get(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  int big = 8 << 20;
  setsockopt(sock.get(), SOL_SOCKET, SO_SNDBUF, &big, sizeof big);

  Builder b;
  uint32_t seq = static_cast<uint32_t>(time(nullptr)) << 8;
  const uint32_t first = seq;
  b.End(b.Begin(NFNL_MSG_BATCH_BEGIN, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq++));
  uint32_t acks = 0;
  for (const ElementMsg& m : msgs) {
    const size_t n = m.keyLen ? m.keys.size() / m.keyLen : 0;
    if (m.keyLen == 0 || m.keyLen > 16 || m.keys.size() != n * m.keyLen || m.ends.size() != n) return err.Set(EINVAL, "nft_elements");
    for (size_t from = 0; from < n; from += kPerMsg) {
      const uint16_t type = (NFNL_SUBSYS_NFTABLES << 8) | (m.add ? NFT_MSG_NEWSETELEM : NFT_MSG_DELSETELEM);
      size_t msg = b.Begin(type, NLM_F_ACK | (m.add ? NLM_F_CREATE : 0), m.family, 0, seq++);
      b.Str(NFTA_SET_ELEM_LIST_TABLE, m.table);
      b.Str(NFTA_SET_ELEM_LIST_SET, m.set);
      size_t list = b.Nest(NFTA_SET_ELEM_LIST_ELEMENTS);
      for (size_t i = from; i < n && i < from + kPerMsg; ++i) {
        size_t el = b.Nest(NFTA_LIST_ELEM);
        size_t key = b.Nest(NFTA_SET_ELEM_KEY);
        b.Attr(NFTA_DATA_VALUE, m.keys.data() + i * m.keyLen, m.keyLen);
        b.Close(key);
        if (m.ends[i]) b.U32(NFTA_SET_ELEM_FLAGS, NFT_SET_ELEM_INTERVAL_END);
        b.Close(el);
      }
      b.Close(list);
      b.End(msg);
      ++acks;
    }
  }
  b.End(b.Begin(NFNL_MSG_BATCH_END, 0, AF_UNSPEC, NFNL_SUBSYS_NFTABLES, seq++));

  sockaddr_nl kernel{};
  kernel.nl_family = AF_NETLINK;
  const auto& bytes = b.Bytes();
  if (sendto(sock.get(), bytes.data(), bytes.size(), 0, reinterpret_cast<sockaddr*>(&kernel), sizeof kernel) < 0) return err.Set(errno, "sendto");

  std::vector<char> buf(1 << 16);
  while (acks > 0) {
    ssize_t len = recv(sock.get(), buf.data(), buf.size(), 0);
    if (len < 0) {
      if (errno == EINTR) continue;
      return err.Set(errno == EAGAIN ? ETIMEDOUT : errno, "recv");
    }
    int left = static_cast<int>(len);
    for (auto* nh = reinterpret_cast<nlmsghdr*>(buf.data()); NLMSG_OK(nh, left); nh = NLMSG_NEXT(nh, left)) {
      if (nh->nlmsg_seq < first || nh->nlmsg_seq >= seq) continue;  // not ours
      if (nh->nlmsg_type != NLMSG_ERROR) continue;
      auto* e = static_cast<nlmsgerr*>(NLMSG_DATA(nh));
      if (e->error != 0) return err.Set(-e->error, "nf_tables");  // the batch was refused as a whole
      if (acks > 0) --acks;
    }
  }
  return true;
}

}  // namespace fwctl
