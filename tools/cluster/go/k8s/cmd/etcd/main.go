// Command etcd is the upstream etcd server, built from go.etcd.io/etcd/server/v3 at the version
// that this module's Kubernetes release pins, so the control plane runs the etcd it was tested with.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
