//go:build tools

// Package tools pins the binaries scripts/toolchain builds from this module.
package tools

import (
	_ "github.com/pulumi/pulumi-kubernetes/provider/v4/cmd/pulumi-resource-kubernetes"
	// used by the provider's go:generate step (cmd/pulumi-resource-kubernetes/generate.go, build tag
	// `ignore`), which scripts/toolchain runs before the build
	_ "github.com/pulumi/pulumi/pkg/v3/codegen/schema"
)
