// Command prepare fetches and builds what the conformance suite boots:
// Debian's kernel image and the modules the guest loads (apt-get download,
// dpkg-deb -x; nothing is installed on the host), and sw_sync.ko built out
// of tree against the same version's headers. The result goes to the
// cache directory ($DMABUFCHECK_CACHE, default $HOME/.cache/dmabufcheck)
// and is reused by later runs.
//
//	go run ./conformance/prepare [-release 6.12.117+deb12-amd64] [-no-sw-sync] [-force]
package main

import (
	"flag"
	"fmt"
	"os"

	"github.com/dmabufcheck/dmabufcheck/conformance"
)

func main() {
	var o conformance.PrepareOptions
	flag.StringVar(&o.Release, "release", conformance.DefaultRelease, "kernel release: the image package is linux-image-RELEASE")
	flag.StringVar(&o.Dir, "dir", "", "kernel directory to fill (default: <cache>/kernels/RELEASE); point "+conformance.EnvKernelDir+" at it if it is not the default")
	flag.BoolVar(&o.NoSwSync, "no-sw-sync", false, "do not build sw_sync.ko (no headers or source download, no compiler)")
	flag.BoolVar(&o.KeepDebs, "keep-debs", false, "keep the downloaded .deb files in <cache>/debs")
	flag.BoolVar(&o.Force, "force", false, "prepare again even if the directory is ready")
	flag.StringVar(&o.Fallback, "fallback", "", "meta package (e.g. linux-image-6.12-amd64) whose kernel to prepare if RELEASE can no longer be downloaded")
	flag.Parse()
	o.Log = os.Stderr
	k, err := conformance.Prepare(o)
	if err != nil {
		fmt.Fprintln(os.Stderr, "prepare:", err)
		os.Exit(1)
	}
	fmt.Println(k.Dir)
}
