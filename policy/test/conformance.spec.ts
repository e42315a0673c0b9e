// Conformance with the Pod Security Standards: every upstream fixture Pod of a level is admitted or
// rejected as Pod Security Admission does, both by the level's checks and by the pack's per-control
// policies, bare and wrapped in every workload kind.
import * as assert from "assert";
import { WORKLOAD_KINDS } from "../lib/kubernetes";
import { CONTROLS, PodSecurityLevel, controlsForLevel, evaluatePod } from "../lib/podSecurityStandards";
import { controlPolicyName } from "../policies/podSecurity";
import { copy, policyNamed, runResourcePolicy, workload } from "./support/harness";
import { PodFixture, podFixtures } from "./support/podSecurityFixtures";

const LEVELS = ["baseline", "restricted"] as const;

/** Names of the pack's control policies (of the level and below) that report a workload. */
function rejectingPolicies(level: PodSecurityLevel, fixture: PodFixture, kind: (typeof WORKLOAD_KINDS)[number]): string[] {
    const resource = workload(kind, copy(fixture.pod), { name: fixture.pod.metadata?.name });
    return CONTROLS.filter((c) => level === "restricted" || c.level === "baseline")
        .map(controlPolicyName)
        .filter((name) => runResourcePolicy(policyNamed(name), resource).violations.length > 0);
}

describe("Pod Security Standards conformance (v1.35 fixtures)", () => {
    for (const level of LEVELS) {
        describe(`${level}: pass fixtures are admitted`, () => {
            for (const fixture of podFixtures(level, "pass")) {
                it(`${fixture.file} (bare and in every workload kind)`, () => {
                    assert.deepStrictEqual(evaluatePod(level, fixture.pod.metadata ?? {}, fixture.pod.spec as never).map((v) => v.control.id), []);
                    for (const kind of WORKLOAD_KINDS) {
                        assert.deepStrictEqual(rejectingPolicies(level, fixture, kind), [], `${kind} of ${fixture.file}`);
                    }
                });
            }
        });

        describe(`${level}: fail fixtures are rejected by the control they are named after`, () => {
            for (const fixture of podFixtures(level, "fail")) {
                it(`${fixture.file} (bare and in every workload kind)`, () => {
                    const control = CONTROLS.find((c) => c.id.toLowerCase() === fixture.control);
                    assert.ok(control, `no control for ${fixture.file}`);
                    const admission = evaluatePod(level, fixture.pod.metadata ?? {}, fixture.pod.spec as never);
                    assert.ok(admission.length > 0, `admitted at ${level}`);
                    // At restricted, Pod Security Admission reports a restricted check in place of the baseline one it overrides.
                    const reported = admission.map((v) => v.control.id);
                    assert.ok(reported.includes(control.id) || admission.some((v) => v.control.overrides === control.id), `${reported} for ${fixture.file}`);
                    for (const kind of WORKLOAD_KINDS) {
                        assert.ok(rejectingPolicies(level, fixture, kind).includes(controlPolicyName(control)), `${kind} of ${fixture.file} not rejected by ${controlPolicyName(control)}`);
                    }
                });
            }
        });
    }

    it("has fail fixtures for every control of every level", () => {
        for (const level of LEVELS) {
            const named = new Set(podFixtures(level, "fail").map((f) => f.control));
            const expected = CONTROLS.filter((c) => level === "restricted" || c.level === "baseline").map((c) => c.id.toLowerCase());
            assert.deepStrictEqual(expected.filter((id) => !named.has(id)), [], level);
        }
    });

    it("runs the levels' checks as admission does: restricted replaces the baseline checks it overrides", () => {
        assert.deepStrictEqual(
            controlsForLevel("baseline").map((c) => c.id),
            CONTROLS.filter((c) => c.level === "baseline").map((c) => c.id),
        );
        const restricted = controlsForLevel("restricted").map((c) => c.id);
        for (const overridden of ["hostPathVolumes", "capabilities_baseline", "seccompProfile_baseline", "procMount"]) assert.ok(!restricted.includes(overridden), overridden);
        assert.strictEqual(restricted.length, CONTROLS.length - 4);
        assert.deepStrictEqual(controlsForLevel("privileged"), []);
    });

    it("words a rejection like the API server", () => {
        const [violation] = evaluatePod("baseline", {}, { containers: [{ name: "app", securityContext: { privileged: true } }] });
        assert.strictEqual(violation.reason, "privileged");
        assert.strictEqual(violation.detail, 'container "app" must not set securityContext.privileged=true');
    });
});
