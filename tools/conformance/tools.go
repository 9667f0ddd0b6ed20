//go:build tools

// Package tools pins the OCI distribution-spec conformance suite for
// scripts/setup.sh, which builds its test binary with
//
//	go test -c -o regbench-conformance github.com/opencontainers/distribution-spec/conformance
//
// This file only makes `go mod tidy` keep the requirement; nothing builds it.
package tools

import _ "github.com/opencontainers/distribution-spec/conformance"
