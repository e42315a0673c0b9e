//go:build tools

// Package tools pins the binaries scripts/toolchain builds from this module.
package tools

import _ "go.etcd.io/etcd/server/v3"
