// The per-stack policy configs: valid for the pack as the CLI reconciles them, with the enforcement
// the platform promises (security mandatory everywhere, availability advisory only in dev), and the
// README's table telling the truth about them.
import * as assert from "assert";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { PolicyConfigSchema } from "@pulumi/policy";
import { platformPolicies } from "../policies";
import { EnforcementLevel, readPolicyConfig, reconcilePolicyConfig } from "../../scripts/plan/policyPack";

const POLICY_DIR = path.resolve(__dirname, "..");
const STACKS = ["dev", "staging", "prod"] as const;
const AVAILABILITY = ["container-probes", "pod-disruption-budget", "pod-disruption-budget-blocks-drain", "autoscaler-minimum-availability", "stateful-high-availability"];
/** Security rules that are advisory in dev: a laptop cluster's API server and nodes have no fixed addresses to name. */
const ADVISORY_IN_DEV = ["network-egress-open"];
const POLICIES = platformPolicies();
const INFO = POLICIES.map((p) => ({
    name: p.name,
    enforcementLevel: p.enforcementLevel as EnforcementLevel,
    schema: { properties: (p.configSchema as PolicyConfigSchema).properties, required: [] },
}));

const configFile = (name: string) => path.join(POLICY_DIR, "config", `${name}.json`);
const reconciled = (name: string) => reconcilePolicyConfig(INFO, readPolicyConfig(configFile(name)));

describe("policy configs", () => {
    for (const name of ["default", ...STACKS]) {
        it(`${name}.json names only the pack's policies and is valid against their schemas`, () => {
            const unknown = [...readPolicyConfig(configFile(name)).keys()].filter((k) => k !== "all" && !POLICIES.some((p) => p.name === k));
            assert.deepStrictEqual(unknown, []);
            assert.strictEqual(reconciled(name).size, POLICIES.length);
        });
    }

    it("rejects a config the CLI would reject", () => {
        const file = path.join(fs.mkdtempSync(path.join(require("os").tmpdir(), "policy-config-")), "bad.json");
        fs.writeFileSync(file, JSON.stringify({ "image-pinned": { requireDigest: "yes" }, "container-resources": { exceptions: [{ kind: "Pod", name: "x" }] } }));
        assert.throws(() => reconcilePolicyConfig(INFO, readPolicyConfig(file)), (err: Error) => {
            assert.match(err.message, /image-pinned: \/requireDigest must be boolean/);
            assert.match(err.message, /container-resources: \/exceptions\/0 must have required property 'reason'/);
            return true;
        });
        fs.writeFileSync(file, JSON.stringify({ all: "strict" }));
        assert.throws(() => readPolicyConfig(file), /"strict" is not a valid enforcement level/);
    });

    it("makes every rule mandatory where a stack has no config", () => {
        for (const [name, settings] of reconciled("default")) assert.strictEqual(settings.enforcementLevel, "mandatory", name);
    });

    it("makes security rules mandatory in every stack (open egress advisory in dev), availability rules advisory in dev only", () => {
        for (const stack of STACKS) {
            for (const [name, settings] of reconciled(stack)) {
                const expected = stack === "dev" && [...AVAILABILITY, ...ADVISORY_IN_DEV].includes(name) ? "advisory" : "mandatory";
                assert.strictEqual(settings.enforcementLevel, expected, `${name} in ${stack}`);
            }
        }
    });

    it("requires image digests and protected StatefulSets in prod", () => {
        assert.deepStrictEqual(
            STACKS.map((s) => reconciled(s).get("image-pinned")!.properties.requireDigest),
            [false, false, true],
        );
        const { exceptions, ...rule } = reconciled("prod").get("stateful-high-availability")!.properties as { exceptions: { name: string }[] };
        assert.deepStrictEqual(rule, { minReplicas: 3, requireSpread: true, requireProtect: true });
        assert.deepStrictEqual(exceptions.map((e) => e.name), ["loki"], "only monolithic Loki, whose chart allows one member on a filesystem");
    });

    it("allows the node-agents tier its privileged admission level in every stack, as config/tiers.ts does", () => {
        for (const name of ["default", ...STACKS]) {
            const exemptions = reconciled(name).get("pod-security-admission-labels")!.properties.exemptNamespaces;
            assert.deepStrictEqual((exemptions as Array<{ name: string; enforce: string }>).map((e) => [e.name, e.enforce]), [["platform-node-agents", "privileged"]], name);
        }
    });

    it("keeps PulumiPolicy.yaml's version, which the CLI reports, equal to package.json's, which the pack reports", () => {
        const manifest = yaml.load(fs.readFileSync(path.join(POLICY_DIR, "PulumiPolicy.yaml"), "utf8")) as { version: string; runtime: string };
        assert.strictEqual(manifest.runtime, "nodejs");
        assert.strictEqual(manifest.version, JSON.parse(fs.readFileSync(path.join(POLICY_DIR, "package.json"), "utf8")).version);
    });

    it("has a README table row per policy with its enforcement in each stack", () => {
        const readme = fs.readFileSync(path.join(POLICY_DIR, "README.md"), "utf8");
        const rows = new Map(
            [...readme.matchAll(/^\| `([a-z-]+)` \|[^|]*\|[^|]*\| (advisory|mandatory|disabled) \| (advisory|mandatory|disabled) \| (advisory|mandatory|disabled) \|$/gm)].map((m) => [m[1], [m[2], m[3], m[4]]]),
        );
        assert.deepStrictEqual([...rows.keys()].sort(), POLICIES.map((p) => p.name).sort());
        for (const [name, levels] of rows) {
            assert.deepStrictEqual(levels, STACKS.map((s) => reconciled(s).get(name)!.enforcementLevel), name);
        }
    });
});
