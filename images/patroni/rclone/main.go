// rclone for the backup and restore jobs, built with only what they need: the s3 and local
// backends; copy, lsf and purge (images/patroni/bin/pg-backup, pg-restore-backup), and for an
// operator in the pod, ls, cat, rcat, mkdir, delete and check.
//
// Why not Debian's rclone 1.60: before 1.63 an empty `acl` became "private", so every upload
// carried `x-amz-acl: private`, which S3 (and SeaweedFS) authorise as s3:PutObjectAcl on top of
// s3:PutObject. The platform's backup identity may write objects, not set their ACLs.
package main

import (
	_ "github.com/rclone/rclone/backend/local"
	_ "github.com/rclone/rclone/backend/s3"
	"github.com/rclone/rclone/cmd"
	_ "github.com/rclone/rclone/cmd/cat"
	_ "github.com/rclone/rclone/cmd/check"
	_ "github.com/rclone/rclone/cmd/copy"
	_ "github.com/rclone/rclone/cmd/delete"
	_ "github.com/rclone/rclone/cmd/ls"
	_ "github.com/rclone/rclone/cmd/lsf"
	_ "github.com/rclone/rclone/cmd/mkdir"
	_ "github.com/rclone/rclone/cmd/purge"
	_ "github.com/rclone/rclone/cmd/rcat"
	_ "github.com/rclone/rclone/cmd/version"
)

func main() {
	cmd.Main()
}
