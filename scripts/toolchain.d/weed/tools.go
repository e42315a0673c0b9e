//go:build tools

// Package tools pins the binaries scripts/toolchain builds from this module.
package tools

import _ "github.com/seaweedfs/seaweedfs/weed"
