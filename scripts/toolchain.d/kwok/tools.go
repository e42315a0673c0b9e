//go:build tools

// Package tools pins the binaries scripts/toolchain builds from this module.
package tools

import _ "sigs.k8s.io/kwok/cmd/kwok"
