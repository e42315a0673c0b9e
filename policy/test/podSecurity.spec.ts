// The pod security policies beyond the fixtures: allow-listed exceptions, the namespaces' admission
// labels and the agreement between the two.
import * as assert from "assert";
import { WORKLOAD_KINDS } from "../lib/kubernetes";
import { CONTROLS } from "../lib/podSecurityStandards";
import { controlPolicyName } from "../policies/podSecurity";
import { TestResource, compliantPod, copy, policyNamed, runResourcePolicy, runStackPolicy, workload } from "./support/harness";

const hostPath = "pod-security-host-path-volumes";

/** A log shipper reading the node's logs through a read-only hostPath. */
function logShipper(namespace: string): TestResource {
    const pod = compliantPod({ app: "log-shipper" });
    pod.spec.volumes = [{ name: "varlog", hostPath: { path: "/var/log" } }];
    pod.spec.containers[0].volumeMounts = [{ name: "varlog", mountPath: "/var/log", readOnly: true }];
    return workload("DaemonSet", pod, { name: "log-shipper", namespace });
}

function namespace(name: string, enforce?: string): TestResource {
    return { type: "kubernetes:core/v1:Namespace", props: { metadata: { name, labels: enforce ? { "pod-security.kubernetes.io/enforce": enforce } : {} } } };
}

const shipperException = { kind: "DaemonSet", namespace: "platform-node-agents", name: "log-shipper", reason: "tails the node's container logs in /var/log, read-only" };

describe("pod security policies", () => {
    it("has one policy per Pod Security Standards control, named after it", () => {
        assert.strictEqual(CONTROLS.length, 19);
        assert.strictEqual(controlPolicyName(CONTROLS.find((c) => c.id === "hostProbesAndHostLifecycle")!), "pod-security-host-probes-and-host-lifecycle");
        assert.strictEqual(controlPolicyName(CONTROLS.find((c) => c.id === "seccompProfile_restricted")!), "pod-security-seccomp-profile-restricted");
        for (const control of CONTROLS) assert.ok(policyNamed(controlPolicyName(control)));
    });

    it("checks the pod template of every workload kind and reports the object and the control's detail", () => {
        for (const kind of WORKLOAD_KINDS) {
            const pod = compliantPod();
            pod.spec.containers[0].securityContext.privileged = true;
            const outcome = runResourcePolicy(policyNamed("pod-security-privileged"), workload(kind, pod, { name: "web" }));
            assert.deepStrictEqual(outcome.violations, [`${kind} platform-apps/web: privileged (container "web" must not set securityContext.privileged=true)`], kind);
            assert.deepStrictEqual(runResourcePolicy(policyNamed("pod-security-privileged"), workload(kind, compliantPod())).violations, [], kind);
        }
    });

    it("does not apply to objects that are not workloads", () => {
        const outcome = runResourcePolicy(policyNamed(hostPath), namespace("platform-apps", "restricted"));
        assert.match(outcome.notApplicable ?? "", /not a resource this policy checks/);
    });

    it("exempts exactly the allow-listed object from the named control", () => {
        const policy = policyNamed(hostPath);
        const config = { exceptions: [shipperException] };
        assert.deepStrictEqual(runResourcePolicy(policy, logShipper("platform-node-agents")).violations, ['DaemonSet platform-node-agents/log-shipper: hostPath volumes (volume "varlog")']);
        const allowed = runResourcePolicy(policy, logShipper("platform-node-agents"), config);
        assert.deepStrictEqual(allowed, { violations: [], notApplicable: `allow-listed: ${shipperException.reason}` });
        // The same DaemonSet in another namespace is not covered.
        assert.strictEqual(runResourcePolicy(policy, logShipper("platform-apps"), config).violations.length, 1);
    });

    describe("pod-security-admission-labels", () => {
        const policy = policyNamed("pod-security-admission-labels");
        const exemption = { name: "platform-node-agents", enforce: "privileged", reason: "log shipping mounts /var/log from the host" };

        it("passes namespaces enforcing restricted", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, namespace("platform-apps", "restricted")).violations, []);
        });

        it("fails namespaces without an enforce label or with an unknown level", () => {
            assert.match(runResourcePolicy(policy, namespace("platform-apps")).violations[0], /must set label pod-security.kubernetes.io\/enforce/);
            assert.match(runResourcePolicy(policy, namespace("platform-apps", "strict")).violations[0], /got "strict"/);
        });

        it("allows a weaker level only where an exemption names the namespace and that level", () => {
            assert.match(runResourcePolicy(policy, namespace("platform-node-agents", "privileged")).violations[0], /only namespaces listed in exemptNamespaces/);
            assert.deepStrictEqual(runResourcePolicy(policy, namespace("platform-node-agents", "privileged"), { exemptNamespaces: [exemption] }).violations, []);
            assert.match(runResourcePolicy(policy, namespace("platform-node-agents", "baseline"), { exemptNamespaces: [exemption] }).violations[0], /its exemption allows "privileged"/);
            assert.strictEqual(runResourcePolicy(policy, namespace("platform-apps", "privileged"), { exemptNamespaces: [exemption] }).violations.length, 1);
        });
    });

    describe("pod-security-admission-agreement", () => {
        const policy = policyNamed("pod-security-admission-agreement");

        it("passes an allow-listed pod in a namespace whose admission level admits it", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [namespace("platform-node-agents", "privileged"), logShipper("platform-node-agents")]), []);
        });

        it("fails a pod the namespace's admission would reject, naming the namespace, level and checks", () => {
            const [violation, ...rest] = runStackPolicy(policy, [namespace("platform-storage", "restricted"), logShipper("platform-storage")]);
            assert.deepStrictEqual(rest, []);
            assert.match(violation.message, /^DaemonSet platform-storage\/log-shipper: namespace platform-storage enforces "restricted", whose admission rejects it: restricted volume types/);
            assert.match(violation.urn ?? "", /DaemonSet::log-shipper$/);
        });

        it("judges pods against baseline in a baseline namespace", () => {
            const pod = copy(compliantPod());
            pod.spec.securityContext = {};
            assert.deepStrictEqual(runStackPolicy(policy, [namespace("platform-apps", "baseline"), workload("Deployment", pod)]), []);
            pod.spec.hostNetwork = true;
            assert.match(runStackPolicy(policy, [namespace("platform-apps", "baseline"), workload("Deployment", pod)])[0].message, /host namespaces \(hostNetwork=true\)/);
        });

        it("leaves pods of namespaces outside the stack alone", () => {
            assert.deepStrictEqual(runStackPolicy(policy, [logShipper("kube-system")]), []);
        });
    });

    describe("container-read-only-root-filesystem", () => {
        const policy = policyNamed("container-read-only-root-filesystem");

        it("passes containers with a read-only root filesystem", () => {
            assert.deepStrictEqual(runResourcePolicy(policy, workload("Deployment", compliantPod())).violations, []);
        });

        it("fails every container, init container included, that may write its root filesystem", () => {
            const pod = copy(compliantPod());
            pod.spec.containers[0].securityContext.readOnlyRootFilesystem = false;
            pod.spec.initContainers = [{ name: "setup", securityContext: {} }];
            assert.deepStrictEqual(runResourcePolicy(policy, workload("StatefulSet", pod, { name: "db" })).violations, [
                'StatefulSet platform-apps/db: init container "setup" does not set securityContext.readOnlyRootFilesystem: true.',
                'StatefulSet platform-apps/db: container "web" does not set securityContext.readOnlyRootFilesystem: true.',
            ]);
        });

        it("lets an allow-listed workload through with its reason", () => {
            const pod = copy(compliantPod());
            delete pod.spec.containers[0].securityContext.readOnlyRootFilesystem;
            const config = { exceptions: [{ kind: "Deployment", namespace: "platform-apps", name: "app", reason: "the image rewrites its own configuration at start" }] };
            assert.match(runResourcePolicy(policy, workload("Deployment", pod), config).notApplicable ?? "", /allow-listed/);
        });
    });
});
