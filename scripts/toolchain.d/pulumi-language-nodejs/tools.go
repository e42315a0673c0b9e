//go:build tools

// Package tools pins the binaries scripts/toolchain builds from this module.
//
// The Node.js language host is a package of the sdk/v3 module up to v3.68.0; later releases moved
// it to its own module (sdk/nodejs/cmd/pulumi-language-nodejs/v3), which the module proxy refuses.
package tools

import _ "github.com/pulumi/pulumi/sdk/v3/nodejs/cmd/pulumi-language-nodejs"
