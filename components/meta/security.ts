// Security contexts that pass the `restricted` Pod Security Standard; every workload uses them.

/** Pod-level: non-root with a fixed user, the runtime's seccomp profile, volume group ownership. */
export function restrictedPodSecurity(uid: number, gid = uid) {
    return {
        runAsNonRoot: true,
        runAsUser: uid,
        runAsGroup: gid,
        fsGroup: gid,
        // Only fix ownership when the volume root is wrong: a recursive chown would reset
        // modes that databases insist on (PGDATA must stay 0700).
        fsGroupChangePolicy: "OnRootMismatch",
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** Container-level: no privilege escalation, no capabilities, read-only root filesystem. */
export function restrictedContainerSecurity(uid?: number) {
    return {
        ...(uid === undefined ? {} : { runAsUser: uid, runAsGroup: uid }),
        runAsNonRoot: true,
        allowPrivilegeEscalation: false,
        readOnlyRootFilesystem: true,
        capabilities: { drop: ["ALL"] },
        seccompProfile: { type: "RuntimeDefault" },
    };
}

/** A writable scratch directory for a read-only container. */
export function scratchVolume(name: string, sizeLimit = "256Mi") {
    return { name, emptyDir: { sizeLimit } };
}
