// regbench-refregistry: go-containerregistry's in-memory registry
// (pkg/registry, what `crane registry serve` runs) with the OCI referrers API
// turned on, for regbench's `crane-referrers` launcher kind. Like crane it
// prints "serving on port N" once it listens, so --address 127.0.0.1:0 works.
package main

import (
	"flag"
	"fmt"
	"log"
	"net"
	"net/http"
	"os"
	"runtime/debug"
	"time"

	"github.com/google/go-containerregistry/pkg/registry"
)

func main() {
	address := flag.String("address", "127.0.0.1:0", "address to listen on (host:port; port 0 picks one)")
	version := flag.Bool("version", false, "print the go-containerregistry version and exit")
	flag.Parse()
	if *version {
		v := "unknown"
		if bi, ok := debug.ReadBuildInfo(); ok {
			for _, d := range bi.Deps {
				if d.Path == "github.com/google/go-containerregistry" {
					v = d.Version
				}
			}
		}
		fmt.Printf("regbench-refregistry %s\n", v)
		return
	}
	ln, err := net.Listen("tcp", *address)
	if err != nil {
		log.Fatalf("listening on %s: %v", *address, err)
	}
	port := ln.Addr().(*net.TCPAddr).Port
	log.Printf("serving on port %d", port)
	s := &http.Server{
		Handler:           registry.New(registry.WithReferrersSupport(true)),
		ReadHeaderTimeout: 5 * time.Second,
	}
	if err := s.Serve(ln); err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
}
