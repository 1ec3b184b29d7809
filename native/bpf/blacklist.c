// SPDX-License-Identifier: GPL-2.0
// Early drop on uplink ports (XDP): sources found in an LPM trie are dropped before the bridge
// and netfilter see them. IPv4 sources are looked up as IPv4-mapped IPv6 (::ffff:a.b.c.d), so
// one trie holds both families. Each prefix's value is its own hit counter.
#include <linux/bpf.h>
#include <linux/if_ether.h>
#include <linux/ip.h>
#include <linux/ipv6.h>
#include <bpf/bpf_helpers.h>
#include <bpf/bpf_endian.h>

struct lpm_key {
	__u32 prefixlen;
	__u8 addr[16];
};

struct hits {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_LPM_TRIE);
	__uint(max_entries, 65536);
	__uint(map_flags, BPF_F_NO_PREALLOC);
	__type(key, struct lpm_key);
	__type(value, struct hits);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fwctl_blacklist SEC(".maps");

SEC("xdp")
int fwctl_blacklist_xdp(struct xdp_md *ctx)
{
	void *data = (void *)(long)ctx->data;
	void *end = (void *)(long)ctx->data_end;
	struct ethhdr *eth = data;
	struct lpm_key key = { .prefixlen = 128 };

	if ((void *)(eth + 1) > end)
		return XDP_PASS;
	if (eth->h_proto == bpf_htons(ETH_P_IP)) {
		struct iphdr *ip = (void *)(eth + 1);

		if ((void *)(ip + 1) > end)
			return XDP_PASS;
		key.addr[10] = 0xff;
		key.addr[11] = 0xff;
		__builtin_memcpy(&key.addr[12], &ip->saddr, 4);
	} else if (eth->h_proto == bpf_htons(ETH_P_IPV6)) {
		struct ipv6hdr *ip6 = (void *)(eth + 1);

		if ((void *)(ip6 + 1) > end)
			return XDP_PASS;
		__builtin_memcpy(key.addr, &ip6->saddr, 16);
	} else {
		return XDP_PASS;
	}
	struct hits *h = bpf_map_lookup_elem(&fwctl_blacklist, &key);

	if (!h)
		return XDP_PASS;
	__sync_fetch_and_add(&h->packets, 1);
	__sync_fetch_and_add(&h->bytes, (__u64)(end - data));
	return XDP_DROP;
}

char LICENSE[] SEC("license") = "GPL";
