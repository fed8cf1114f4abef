// Added to kube-network-policies' pkg/networkpolicy by build-node.sh (go build -overlay): the
// NFQUEUE verdict as xtables' NFQUEUE target (nft_compat) instead of nftables' own queue
// expression, which kernels built without CONFIG_NFT_QUEUE (this machine's) refuse with ENOENT.
// The packets reach the same queue and the agent's policy code is unchanged.
package networkpolicy

import (
	"encoding/binary"

	"github.com/google/nftables/expr"
	"github.com/google/nftables/xt"
)

// nfqueueTarget is `-j NFQUEUE --queue-num num [--queue-bypass]`: struct xt_NFQ_info_v3
// {u16 queuenum; u16 queues_total; u16 flags; u16 cpu-fanout padding}, NFQ_FLAG_BYPASS = 1.
func nfqueueTarget(num uint16, bypass bool) *expr.Target {
	info := make(xt.Unknown, 8)
	binary.NativeEndian.PutUint16(info[0:], num)
	binary.NativeEndian.PutUint16(info[2:], 1)
	if bypass {
		binary.NativeEndian.PutUint16(info[4:], 1)
	}
	return &expr.Target{Name: "NFQUEUE", Rev: 3, Info: &info}
}
