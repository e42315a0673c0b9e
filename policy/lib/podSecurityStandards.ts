// The Pod Security Standards (baseline and restricted, Kubernetes v1.35) as pure checks of a pod's
// metadata and spec, mirroring the checks of Pod Security Admission (kubernetes/pod-security-admission,
// policy/check_*.go): same IDs, same allowed values, same exemptions (Windows pods, user namespaces)
// and the same messages, so a violation reads like the API server's warning.
import { IContainer, IObjectMeta, IPodSpec, plural, podContainers, quoteList } from "./kubernetes";

export type PodSecurityLevel = "privileged" | "baseline" | "restricted";
export const POD_SECURITY_LEVELS: readonly PodSecurityLevel[] = ["privileged", "baseline", "restricted"];

/** Why a control forbids a pod: a short reason and the offending fields. */
export interface ControlFailure {
    readonly reason: string;
    readonly detail: string;
}

export interface PodSecurityControl {
    /** Upstream check ID; the conformance fixtures are named after it in lower case. */
    readonly id: string;
    readonly level: Exclude<PodSecurityLevel, "privileged">;
    /** The control's name in the Pod Security Standards. */
    readonly title: string;
    /** What the control requires, in one sentence. */
    readonly requirement: string;
    /** The baseline check this restricted check replaces when a pod is held to `restricted`. */
    readonly overrides?: string;
    check(metadata: IObjectMeta, spec: IPodSpec): ControlFailure | undefined;
}

const isWindows = (spec: IPodSpec) => spec.os?.name === "windows";
/** Pods in a user namespace (`hostUsers: false`) are exempt from some controls since v1.35. */
const inUserNamespace = (spec: IPodSpec) => spec.hostUsers === false;

function containersWhere(spec: IPodSpec, bad: (c: IContainer) => boolean): string[] {
    return podContainers(spec)
        .filter(({ container }) => bad(container))
        .map(({ container }) => container.name);
}

/** Containers for which `found` yields forbidden values (undefined means none), and those values sorted. */
function offending(spec: IPodSpec, found: (c: IContainer) => Array<string | undefined>): { names: string[]; values: string[] } {
    const values = new Set<string>();
    const names = containersWhere(spec, (c) => {
        const bad = found(c).filter((v): v is string => v !== undefined);
        bad.forEach((v) => values.add(v));
        return bad.length > 0;
    });
    return { names, values: [...values].sort() };
}

function describeContainers(names: readonly string[]): string {
    return `${plural(names.length, "container")} ${quoteList(names)}`;
}

/** "pod and containers "a", "b"": who set a forbidden value. */
function setters(pod: boolean, containers: readonly string[]): string[] {
    return [...(pod ? ["pod"] : []), ...(containers.length ? [describeContainers(containers)] : [])];
}

function failure(reason: string, detail: string): ControlFailure {
    return { reason, detail };
}

const sorted = (values: Iterable<string>) => [...new Set(values)].sort();

function procMountDefault(spec: IPodSpec): ControlFailure | undefined {
    const { names, values } = offending(spec, (c) => [c.securityContext?.procMount === "Default" ? undefined : c.securityContext?.procMount]);
    return names.length ? failure("procMount", `${describeContainers(names)} must not set securityContext.procMount to ${quoteList(values)}`) : undefined;
}

const BASELINE_CAPABILITIES = new Set([
    "AUDIT_WRITE", "CHOWN", "DAC_OVERRIDE", "FOWNER", "FSETID", "KILL", "MKNOD",
    "NET_BIND_SERVICE", "SETFCAP", "SETGID", "SETPCAP", "SETUID", "SYS_CHROOT",
]);

const SELINUX_TYPES = new Set(["", "container_t", "container_init_t", "container_kvm_t", "container_engine_t"]);

/** Namespaced sysctls isolated from other pods (the v1.32 list, in force for v1.35). */
const SAFE_SYSCTLS = new Set([
    "kernel.shm_rmid_forced", "net.ipv4.ip_local_port_range", "net.ipv4.tcp_syncookies", "net.ipv4.ping_group_range",
    "net.ipv4.ip_unprivileged_port_start", "net.ipv4.ip_local_reserved_ports", "net.ipv4.tcp_keepalive_time",
    "net.ipv4.tcp_fin_timeout", "net.ipv4.tcp_keepalive_intvl", "net.ipv4.tcp_keepalive_probes",
    "net.ipv4.tcp_rmem", "net.ipv4.tcp_wmem",
]);

const RESTRICTED_VOLUME_SOURCES = new Set(["configMap", "csi", "downwardAPI", "emptyDir", "ephemeral", "image", "persistentVolumeClaim", "projected", "secret"]);

const APPARMOR_ANNOTATION_PREFIX = "container.apparmor.security.beta.kubernetes.io/";

/** The type of a seccomp or AppArmor profile, unless it is one of the allowed RuntimeDefault and Localhost. */
const forbiddenProfileType = (profile: { type: string } | undefined) =>
    profile === undefined || profile.type === "RuntimeDefault" || profile.type === "Localhost" ? undefined : profile.type;

/** Pod and containers that set a seccomp profile other than RuntimeDefault or Localhost (both levels forbid it). */
function forbiddenSeccomp(spec: IPodSpec): ControlFailure | undefined {
    const podType = forbiddenProfileType(spec.securityContext?.seccompProfile);
    const { names, values } = offending(spec, (c) => [forbiddenProfileType(c.securityContext?.seccompProfile)]);
    const who = setters(podType !== undefined, names);
    const types = sorted([...values, ...(podType !== undefined ? [podType] : [])]);
    return who.length ? failure("seccompProfile", `${who.join(" and ")} must not set securityContext.seccompProfile.type to ${quoteList(types)}`) : undefined;
}

/** The hosts a probe or lifecycle handler sends to; anything but the pod itself is forbidden. */
function handlerHosts(handler: { httpGet?: { host?: string }; tcpSocket?: { host?: string } } | undefined): string[] {
    return [handler?.httpGet?.host, handler?.tcpSocket?.host].filter((h): h is string => !!h);
}

export const CONTROLS: readonly PodSecurityControl[] = [
    {
        id: "windowsHostProcess",
        level: "baseline",
        title: "HostProcess",
        requirement: "Pods must not run Windows HostProcess containers.",
        check: (_, spec) => {
            const pod = spec.securityContext?.windowsOptions?.hostProcess === true;
            const who = setters(pod, containersWhere(spec, (c) => c.securityContext?.windowsOptions?.hostProcess === true));
            return who.length ? failure("hostProcess", `${who.join(" and ")} must not set securityContext.windowsOptions.hostProcess=true`) : undefined;
        },
    },
    {
        id: "hostNamespaces",
        level: "baseline",
        title: "Host Namespaces",
        requirement: "Pods must not share the host's network, PID or IPC namespace.",
        check: (_, spec) => {
            const shared = (["hostNetwork", "hostPID", "hostIPC"] as const).filter((f) => spec[f] === true).map((f) => `${f}=true`);
            return shared.length ? failure("host namespaces", shared.join(", ")) : undefined;
        },
    },
    {
        id: "privileged",
        level: "baseline",
        title: "Privileged Containers",
        requirement: "Containers must not run privileged.",
        check: (_, spec) => {
            const bad = containersWhere(spec, (c) => c.securityContext?.privileged === true);
            return bad.length ? failure("privileged", `${describeContainers(bad)} must not set securityContext.privileged=true`) : undefined;
        },
    },
    {
        id: "capabilities_baseline",
        level: "baseline",
        title: "Capabilities",
        requirement: "Containers may add only the container runtime's default capabilities (not NET_RAW or beyond).",
        check: (_, spec) => {
            const { names, values } = offending(spec, (c) => (c.securityContext?.capabilities?.add ?? []).filter((cap) => !BASELINE_CAPABILITIES.has(cap)));
            return names.length
                ? failure("non-default capabilities", `${describeContainers(names)} must not include ${quoteList(values)} in securityContext.capabilities.add`)
                : undefined;
        },
    },
    {
        id: "hostPathVolumes",
        level: "baseline",
        title: "HostPath Volumes",
        requirement: "Pods must not mount hostPath volumes.",
        check: (_, spec) => {
            const bad = (spec.volumes ?? []).filter((v) => v.hostPath).map((v) => v.name);
            return bad.length ? failure("hostPath volumes", `${plural(bad.length, "volume")} ${quoteList(bad)}`) : undefined;
        },
    },
    {
        id: "hostPorts",
        level: "baseline",
        title: "Host Ports",
        requirement: "Containers must not bind host ports.",
        check: (_, spec) => {
            const { names, values } = offending(spec, (c) => (c.ports ?? []).filter((p) => (p.hostPort ?? 0) !== 0).map((p) => String(p.hostPort)));
            return names.length
                ? failure("hostPort", `${describeContainers(names)} ${plural(names.length, "uses", "use")} ${plural(values.length, "hostPort")} ${values.join(", ")}`)
                : undefined;
        },
    },
    {
        id: "hostProbesAndHostLifecycle",
        level: "baseline",
        title: "Host Probes / Lifecycle Hooks",
        requirement: "Probes and lifecycle hooks must not send to another host.",
        check: (_, spec) => {
            const { names, values } = offending(spec, (c) => [c.livenessProbe, c.readinessProbe, c.startupProbe, c.lifecycle?.postStart, c.lifecycle?.preStop].flatMap(handlerHosts));
            return names.length
                ? failure(
                      "probe or lifecycle host",
                      `${describeContainers(sorted(names))} ${plural(names.length, "uses", "use")} ${plural(values.length, "probe or lifecycle host")} ${quoteList(values)}`,
                  )
                : undefined;
        },
    },
    {
        id: "appArmorProfile",
        level: "baseline",
        title: "AppArmor",
        requirement: "Pods must not disable or override the default AppArmor profile (RuntimeDefault or Localhost only).",
        check: (metadata, spec) => {
            const podType = forbiddenProfileType(spec.securityContext?.appArmorProfile);
            const { names, values } = offending(spec, (c) => [forbiddenProfileType(c.securityContext?.appArmorProfile)]);
            const annotations = Object.entries(metadata.annotations ?? {})
                .filter(([k, v]) => k.startsWith(APPARMOR_ANNOTATION_PREFIX) && !(v === "" || v === "runtime/default" || v.startsWith("localhost/")))
                .map(([k, v]) => `${k}="${v}"`)
                .sort();
            const who = [...setters(podType !== undefined, names), ...(annotations.length ? [plural(annotations.length, "annotation")] : [])];
            const forbidden = [...sorted([...values, ...(podType !== undefined ? [podType] : [])]), ...annotations];
            return who.length
                ? failure(plural(forbidden.length, "forbidden AppArmor profile"), `${who.join(" and ")} must not set AppArmor profile type to ${quoteList(forbidden)}`)
                : undefined;
        },
    },
    {
        id: "seLinuxOptions",
        level: "baseline",
        title: "SELinux",
        requirement: "Pods may set only the container SELinux types and no SELinux user or role.",
        check: (_, spec) => {
            const badTypes = new Set<string>();
            let setUser = false;
            let setRole = false;
            const valid = (opts: { type?: string; user?: string; role?: string } | undefined) => {
                if (!opts) return true;
                const typeOk = SELINUX_TYPES.has(opts.type ?? "");
                if (!typeOk) badTypes.add(opts.type ?? "");
                setUser ||= !!opts.user;
                setRole ||= !!opts.role;
                return typeOk && !opts.user && !opts.role;
            };
            const pod = !valid(spec.securityContext?.seLinuxOptions);
            const who = setters(pod, containersWhere(spec, (c) => !valid(c.securityContext?.seLinuxOptions)));
            if (!who.length) return undefined;
            const data = [
                ...(badTypes.size ? [`${plural(badTypes.size, "type")} ${quoteList(sorted(badTypes))}`] : []),
                ...(setUser ? ["user may not be set"] : []),
                ...(setRole ? ["role may not be set"] : []),
            ];
            return failure("seLinuxOptions", `${who.join(" and ")} set forbidden securityContext.seLinuxOptions: ${data.join("; ")}`);
        },
    },
    {
        id: "procMount",
        level: "baseline",
        title: "/proc Mount Type",
        requirement: "Containers must keep the default /proc mount unless the pod runs in a user namespace.",
        check: (_, spec) => (inUserNamespace(spec) ? undefined : procMountDefault(spec)),
    },
    {
        id: "seccompProfile_baseline",
        level: "baseline",
        title: "Seccomp",
        requirement: "Pods must not set the Unconfined seccomp profile.",
        check: (_, spec) => {
            return forbiddenSeccomp(spec);
        },
    },
    {
        id: "sysctls",
        level: "baseline",
        title: "Sysctls",
        requirement: "Pods may set only the safe, namespaced sysctls.",
        check: (_, spec) => {
            const bad = (spec.securityContext?.sysctls ?? []).map((s) => s.name).filter((n) => !SAFE_SYSCTLS.has(n));
            return bad.length ? failure("forbidden sysctls", bad.join(", ")) : undefined;
        },
    },
    {
        id: "restrictedVolumes",
        level: "restricted",
        title: "Volume Types",
        requirement: "Pods may use only configMap, csi, downwardAPI, emptyDir, ephemeral, image, persistentVolumeClaim, projected and secret volumes.",
        overrides: "hostPathVolumes",
        check: (_, spec) => {
            const types = new Set<string>();
            const bad = (spec.volumes ?? [])
                .filter((volume) => {
                    const sources = Object.entries(volume)
                        .filter(([key, value]) => key !== "name" && value != null)
                        .map(([key]) => key);
                    // A volume without a source is defaulted to emptyDir by the API server.
                    if (sources.length === 0 || sources.some((s) => RESTRICTED_VOLUME_SOURCES.has(s))) return false;
                    types.add(sources[0]);
                    return true;
                })
                .map((v) => v.name);
            return bad.length
                ? failure(
                      "restricted volume types",
                      `${plural(bad.length, "volume")} ${quoteList(bad)} ${plural(bad.length, "uses", "use")} ${plural(types.size, "restricted volume type")} ${quoteList(sorted(types))}`,
                  )
                : undefined;
        },
    },
    {
        id: "allowPrivilegeEscalation",
        level: "restricted",
        title: "Privilege Escalation",
        requirement: "Containers must set allowPrivilegeEscalation: false.",
        check: (_, spec) => {
            if (isWindows(spec)) return undefined;
            const bad = containersWhere(spec, (c) => c.securityContext?.allowPrivilegeEscalation !== false);
            return bad.length ? failure("allowPrivilegeEscalation != false", `${describeContainers(bad)} must set securityContext.allowPrivilegeEscalation=false`) : undefined;
        },
    },
    {
        id: "runAsNonRoot",
        level: "restricted",
        title: "Running as Non-root",
        requirement: "Containers must run as non-root (runAsNonRoot: true) unless the pod runs in a user namespace.",
        check: (_, spec) => {
            if (inUserNamespace(spec)) return undefined;
            const podValue = spec.securityContext?.runAsNonRoot;
            const explicit = setters(podValue === false, containersWhere(spec, (c) => c.securityContext?.runAsNonRoot === false));
            if (explicit.length) return failure("runAsNonRoot != true", `${explicit.join(" and ")} must not set securityContext.runAsNonRoot=false`);
            const implicit = podValue === true ? [] : containersWhere(spec, (c) => c.securityContext?.runAsNonRoot === undefined);
            return implicit.length
                ? failure("runAsNonRoot != true", `pod or ${describeContainers(implicit)} must set securityContext.runAsNonRoot=true`)
                : undefined;
        },
    },
    {
        id: "runAsUser",
        level: "restricted",
        title: "Running as Non-root user",
        requirement: "Containers must not run as UID 0 unless the pod runs in a user namespace.",
        check: (_, spec) => {
            if (inUserNamespace(spec)) return undefined;
            const who = setters(spec.securityContext?.runAsUser === 0, containersWhere(spec, (c) => c.securityContext?.runAsUser === 0));
            return who.length ? failure("runAsUser=0", `${who.join(" and ")} must not set runAsUser=0`) : undefined;
        },
    },
    {
        id: "seccompProfile_restricted",
        level: "restricted",
        title: "Seccomp",
        requirement: "Pods must set the RuntimeDefault or Localhost seccomp profile.",
        overrides: "seccompProfile_baseline",
        check: (_, spec) => {
            if (isWindows(spec)) return undefined;
            const explicit = forbiddenSeccomp(spec);
            if (explicit) return explicit;
            const implicit = spec.securityContext?.seccompProfile ? [] : containersWhere(spec, (c) => c.securityContext?.seccompProfile === undefined);
            return implicit.length
                ? failure("seccompProfile", `pod or ${describeContainers(implicit)} must set securityContext.seccompProfile.type to "RuntimeDefault" or "Localhost"`)
                : undefined;
        },
    },
    {
        id: "capabilities_restricted",
        level: "restricted",
        title: "Capabilities",
        requirement: "Containers must drop ALL capabilities and may add only NET_BIND_SERVICE.",
        overrides: "capabilities_baseline",
        check: (_, spec) => {
            if (isWindows(spec)) return undefined;
            const missingDropAll = containersWhere(spec, (c) => !(c.securityContext?.capabilities?.drop ?? []).includes("ALL"));
            const adding = offending(spec, (c) => (c.securityContext?.capabilities?.add ?? []).filter((cap) => cap !== "NET_BIND_SERVICE"));
            const details = [
                ...(missingDropAll.length ? [`${describeContainers(missingDropAll)} must set securityContext.capabilities.drop=["ALL"]`] : []),
                ...(adding.names.length ? [`${describeContainers(adding.names)} must not include ${quoteList(adding.values)} in securityContext.capabilities.add`] : []),
            ];
            return details.length ? failure("unrestricted capabilities", details.join("; ")) : undefined;
        },
    },
    {
        id: "procMount_restricted",
        level: "restricted",
        title: "/proc Mount Type",
        requirement: "Containers must keep the default /proc mount.",
        overrides: "procMount",
        check: (_, spec) => procMountDefault(spec),
    },
];

export function controlById(id: string): PodSecurityControl {
    const control = CONTROLS.find((c) => c.id === id);
    if (!control) throw new Error(`no Pod Security Standards control "${id}"`);
    return control;
}

/** The checks Pod Security Admission runs at a level: baseline and (for restricted) restricted ones, minus overridden ones. */
export function controlsForLevel(level: PodSecurityLevel): PodSecurityControl[] {
    const included = CONTROLS.filter((c) => level === "restricted" || (level === "baseline" && c.level === "baseline"));
    const overridden = new Set(included.map((c) => c.overrides).filter(Boolean));
    return included.filter((c) => !overridden.has(c.id));
}

export interface ControlViolation extends ControlFailure {
    readonly control: PodSecurityControl;
}

/** What Pod Security Admission would reject a pod for at a level; empty when admitted. */
export function evaluatePod(level: PodSecurityLevel, metadata: IObjectMeta, spec: IPodSpec): ControlViolation[] {
    return controlsForLevel(level).flatMap((control) => {
        const result = control.check(metadata, spec);
        return result ? [{ control, ...result }] : [];
    });
}

/** `privileged (container "app" must not set securityContext.privileged=true)`, as the API server words it. */
export function describeFailure(result: ControlFailure): string {
    return `${result.reason} (${result.detail})`;
}
