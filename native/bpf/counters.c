// SPDX-License-Identifier: GPL-2.0
// Per-port packet/byte counters for tc (clsact ingress and egress), one per-CPU hash keyed by
// (ifindex, direction). Direction is the port's view: 0 = received by the port (ingress hook),
// 1 = sent by the port (egress hook). The program never changes a verdict.
#include <linux/bpf.h>
#include <linux/pkt_cls.h>
#include <bpf/bpf_helpers.h>

struct port_key {
	__u32 ifindex;
	__u32 dir;
};

struct port_val {
	__u64 packets;
	__u64 bytes;
};

struct {
	__uint(type, BPF_MAP_TYPE_PERCPU_HASH);
	__uint(max_entries, 16384);
	__type(key, struct port_key);
	__type(value, struct port_val);
	__uint(pinning, LIBBPF_PIN_BY_NAME);
} fwctl_ports SEC(".maps");

static __always_inline int count(struct __sk_buff *skb, __u32 dir)
{
	struct port_key key = { .ifindex = skb->ifindex, .dir = dir };
	struct port_val *val = bpf_map_lookup_elem(&fwctl_ports, &key);

	if (!val) {
		struct port_val first = { .packets = 1, .bytes = skb->len };

		if (bpf_map_update_elem(&fwctl_ports, &key, &first, BPF_NOEXIST) == 0)
			return TC_ACT_UNSPEC;
		val = bpf_map_lookup_elem(&fwctl_ports, &key); // another CPU created it first
		if (!val)
			return TC_ACT_UNSPEC;
	}
	val->packets++;
	val->bytes += skb->len;
	return TC_ACT_UNSPEC;
}

SEC("tc")
int fwctl_count_in(struct __sk_buff *skb)
{
	return count(skb, 0);
}

SEC("tc")
int fwctl_count_out(struct __sk_buff *skb)
{
	return count(skb, 1);
}

char LICENSE[] SEC("license") = "GPL";
