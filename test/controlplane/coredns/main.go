// CoreDNS for a test cluster's real node: cluster DNS (forward and reverse, so that
// XRootD finds a pod's name from its address) and nothing that reaches outside.
// Only the plugins below are compiled in; their order is the order they run in.
package main

import (
	"github.com/coredns/coredns/core/dnsserver"
	_ "github.com/coredns/coredns/plugin/bind"
	_ "github.com/coredns/coredns/plugin/errors"
	_ "github.com/coredns/coredns/plugin/kubernetes"
	"github.com/coredns/coredns/coremain"
)

func init() { dnsserver.Directives = []string{"bind", "errors", "kubernetes"} }

func main() { coremain.Run() }
