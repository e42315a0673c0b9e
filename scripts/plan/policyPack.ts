// Runs the policy pack over a plan's resources as `pulumi preview --policy-pack` does: the pack is
// started as the CLI's `pulumi-analyzer-policy` plugin starts a Node.js pack (node
// @pulumi/pulumi/cmd/run-policy-pack <engine> . in the pack's directory; it prints its gRPC port),
// then called over the analyzer protocol: Handshake, ConfigureStack, GetAnalyzerInfo, Configure with
// the policy config reconciled as the CLI does (schema defaults, "all", validation), Analyze per
// resource, AnalyzeStack over all of them.
//
// No engine endpoint is served: run-policy-pack drops the engine address and the pack logs to its
// own stderr (the SDK connects to an engine only through PULUMI_NODEJS_ENGINE, which the CLI does not
// set for analyzers).
import Ajv from "ajv";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import * as analyzerrpc from "@pulumi/pulumi/proto/analyzer_grpc_pb";
import * as analyzerpb from "@pulumi/pulumi/proto/analyzer_pb";
import { RegisteredResource } from "./mockRuntime";

// The gRPC runtime and protobuf well-known types the SDK's generated stubs were built with.
const SDK_DIR = path.dirname(require.resolve("@pulumi/pulumi/package.json"));
const fromSdk = (module: string) => require(require.resolve(module, { paths: [SDK_DIR] }));
const grpc: typeof import("@grpc/grpc-js") = fromSdk("@grpc/grpc-js");
const { Struct } = fromSdk("google-protobuf/google/protobuf/struct_pb");
const { Empty } = fromSdk("google-protobuf/google/protobuf/empty_pb");

export const POLICY_DIR = path.resolve(__dirname, "..", "..", "policy");

export type EnforcementLevel = "advisory" | "mandatory" | "remediate" | "disabled";
const LEVELS: EnforcementLevel[] = ["advisory", "mandatory", "disabled", "remediate"]; // indexed by the proto enum
const levelOf = (value: analyzerpb.EnforcementLevel) => LEVELS[value];
const protoLevel = (level: EnforcementLevel) => LEVELS.indexOf(level) as analyzerpb.EnforcementLevel;

export interface PolicyViolation {
    readonly policyName: string;
    readonly policyPackName: string;
    readonly policyPackVersion: string;
    readonly enforcementLevel: EnforcementLevel;
    /** The policy's description, a newline, then what is wrong. */
    readonly message: string;
    /** The resource it concerns; none for a stack-wide violation. */
    readonly urn?: string;
}

/** A policy config file or its reconciliation is invalid, as `pulumi preview` would refuse it. */
export class PolicyConfigError extends Error {}

interface PolicySettings {
    enforcementLevel?: EnforcementLevel;
    properties: Record<string, unknown>;
}

/** Parses a `--policy-pack-config` file: each key maps to a level, or to an object with enforcementLevel and properties. */
export function readPolicyConfig(file: string): Map<string, PolicySettings> {
    const parsed: Record<string, unknown> = JSON.parse(fs.readFileSync(file, "utf8"));
    const result = new Map<string, PolicySettings>();
    for (const [key, value] of Object.entries(parsed)) {
        if (typeof value === "string") {
            result.set(key, { enforcementLevel: checkLevel(key, value), properties: {} });
        } else if (typeof value === "object" && value !== null && !Array.isArray(value)) {
            const { enforcementLevel, ...properties } = value as Record<string, unknown>;
            result.set(key, { enforcementLevel: enforcementLevel === undefined ? undefined : checkLevel(key, enforcementLevel), properties });
        } else {
            throw new PolicyConfigError(`${file}: parsing "${key}": ${JSON.stringify(value)} is not a valid value; must be a string or object`);
        }
    }
    return result;
}

function checkLevel(key: string, level: unknown): EnforcementLevel {
    if (!LEVELS.includes(level as EnforcementLevel)) throw new PolicyConfigError(`parsing enforcement level for "${key}": ${JSON.stringify(level)} is not a valid enforcement level`);
    return level as EnforcementLevel;
}

interface PolicyInfo {
    readonly name: string;
    readonly enforcementLevel: EnforcementLevel;
    readonly schema?: { properties: Record<string, any>; required: string[] };
}

/**
 * The config sent to the pack: schema defaults, then "all", then each policy's own settings, validated
 * against the schemas. Like the CLI, keys naming no policy are ignored (the pack's tests reject them).
 */
export function reconcilePolicyConfig(policies: readonly PolicyInfo[], config: Map<string, PolicySettings>): Map<string, Required<PolicySettings>> {
    const all = config.get("all")?.enforcementLevel;
    const result = new Map<string, Required<PolicySettings>>();
    const errors: string[] = [];
    const ajv = new Ajv({ allErrors: true, strict: false });
    for (const policy of policies) {
        const defaults = Object.fromEntries(Object.entries(policy.schema?.properties ?? {}).filter(([, s]) => "default" in s).map(([k, s]) => [k, s.default]));
        const own = config.get(policy.name);
        const settings = { enforcementLevel: own?.enforcementLevel ?? all ?? policy.enforcementLevel, properties: { ...defaults, ...own?.properties } };
        if (policy.schema) {
            const validate = ajv.compile({ type: "object", properties: policy.schema.properties, required: policy.schema.required });
            if (!validate(settings.properties)) errors.push(...(validate.errors ?? []).map((e) => `${policy.name}: ${e.instancePath || "(root)"} ${e.message}`));
        }
        result.set(policy.name, settings);
    }
    if (errors.length > 0) throw new PolicyConfigError(`invalid policy pack configuration:\n  ${errors.join("\n  ")}`);
    return result;
}

/** `policy/config/<stack>.json`, else `policy/config/default.json` (every rule mandatory). */
/**
 * The policy config of a stack: policy/config/<stack>.json, else the one of its environment
 * (a personal dev stack is held to dev's rules), else default.json (everything mandatory).
 */
export function policyConfigFile(stack: string, environment?: string, policyDir = POLICY_DIR): string {
    const candidates = [stack, environment, "default"].filter((c): c is string => !!c).map((c) => path.join(policyDir, "config", `${c}.json`));
    return candidates.find((file) => fs.existsSync(file)) ?? candidates[candidates.length - 1];
}

const STARTUP_SECONDS = 90;

/** Starts the pack like the CLI's analyzer plugin and waits for the port it prints. */
function startPack(policyDir: string, env: NodeJS.ProcessEnv): Promise<{ child: ChildProcess; port: number; stderr: () => string }> {
    // Resolution walks up to the repository's node_modules; the pack needs its own.
    const runPolicyPack = path.join(policyDir, "node_modules", "@pulumi", "pulumi", "cmd", "run-policy-pack");
    if (!fs.existsSync(runPolicyPack)) {
        return Promise.reject(new Error(`it looks like the policy pack's dependencies are not installed; try running npm ci in "${policyDir}"`));
    }
    const child = spawn(process.execPath, [runPolicyPack, "127.0.0.1:0", "."], { cwd: policyDir, env, stdio: ["ignore", "pipe", "pipe"] });
    let stdout = "";
    let stderr = "";
    child.stderr!.on("data", (chunk) => (stderr += chunk));
    return new Promise((resolve, reject) => {
        // Type-checking the pack takes seconds; a pack that neither serves nor exits is stuck.
        const timer = setTimeout(() => {
            child.kill();
            reject(new Error(`policy pack in ${policyDir} did not print its port within ${STARTUP_SECONDS}s:\n${stderr}`));
        }, STARTUP_SECONDS * 1000);
        child.on("exit", () => clearTimeout(timer));
        child.stdout!.on("data", (chunk) => {
            stdout += chunk;
            const line = stdout.split("\n")[0];
            if (stdout.includes("\n")) {
                const port = Number(line.trim());
                clearTimeout(timer);
                if (Number.isInteger(port) && port > 0) resolve({ child, port, stderr: () => stderr });
                else reject(new Error(`policy pack printed "${line}" instead of its port\n${stderr}`));
            }
        });
        child.on("error", reject);
        child.on("exit", (code) => reject(new Error(`policy pack in ${policyDir} exited with ${code} before serving:\n${stderr}${stdout}`)));
    });
}

type Unary<Req, Res> = (req: Req, callback: (err: import("@grpc/grpc-js").ServiceError | null, res: Res) => void) => unknown;

function call<Req, Res>(method: Unary<Req, Res>, request: Req): Promise<Res> {
    return new Promise((resolve, reject) => method(request, (err, res) => (err ? reject(err) : resolve(res))));
}

const isUnimplemented = (err: unknown) => (err as { code?: number }).code === grpc.status.UNIMPLEMENTED;

function struct(value: unknown) {
    // Recorded inputs are plain JSON (secrets keep their signature objects, as on the wire).
    return Struct.fromJavaScript(JSON.parse(JSON.stringify(value ?? {})));
}

function options(resource: RegisteredResource): analyzerpb.AnalyzerResourceOptions {
    return new analyzerpb.AnalyzerResourceOptions()
        .setProtect(resource.protect)
        .setParent(resource.parent ?? "")
        .setCustomtimeouts(new analyzerpb.AnalyzerResourceOptions.CustomTimeouts());
}

/** A provider reference is `<provider urn>::<provider id>`. */
function providerOf(resource: RegisteredResource, byUrn: Map<string, RegisteredResource>): analyzerpb.AnalyzerProviderResource | undefined {
    const provider = resource.provider && byUrn.get(resource.provider.slice(0, resource.provider.lastIndexOf("::")));
    if (!provider) return undefined;
    return new analyzerpb.AnalyzerProviderResource().setUrn(provider.urn).setType(provider.type).setName(provider.name).setProperties(struct(provider.inputs));
}

function violationsOf(diagnostics: analyzerpb.AnalyzeDiagnostic[], packVersion: string, urn?: string): PolicyViolation[] {
    return diagnostics.map((d) => ({
        policyName: d.getPolicyname(),
        policyPackName: d.getPolicypackname(),
        // The version in PulumiPolicy.yaml wins over the pack's, as in the CLI.
        policyPackVersion: packVersion || d.getPolicypackversion(),
        enforcementLevel: levelOf(d.getEnforcementlevel()),
        message: d.getMessage(),
        urn: urn ?? (d.getUrn() || undefined),
    }));
}

export interface PolicyRun {
    readonly packName: string;
    readonly packVersion: string;
    readonly violations: PolicyViolation[];
}

/**
 * Evaluates a plan's recorded resources with the policy pack in `policyDir` and the given policy
 * config file, for the named stack (the project comes from the resources' URNs).
 */
export async function runPolicyPack(resources: readonly RegisteredResource[], stack: string, configFile: string, policyDir = POLICY_DIR): Promise<PolicyRun> {
    const config = readPolicyConfig(configFile);
    const project = resources[0]?.urn.split("::")[1] ?? "project";
    const manifest = yaml.load(fs.readFileSync(path.join(policyDir, "PulumiPolicy.yaml"), "utf8")) as { version?: string };
    const env = {
        ...process.env,
        PULUMI_NODEJS_PROJECT: project,
        PULUMI_NODEJS_STACK: stack,
        PULUMI_NODEJS_DRY_RUN: "true",
        PULUMI_PROJECT: project,
        PULUMI_STACK: stack,
        PULUMI_DRY_RUN: "true",
    };
    const { child, port, stderr } = await startPack(policyDir, env);
    const client = new analyzerrpc.AnalyzerClient(`127.0.0.1:${port}`, grpc.credentials.createInsecure(), { "grpc.max_receive_message_length": 400 * 1024 * 1024 });
    const rpc = <Req, Res>(method: Unary<Req, Res>, request: Req) => call(method.bind(client) as Unary<Req, Res>, request);
    try {
        await rpc(client.handshake, new analyzerpb.AnalyzerHandshakeRequest().setEngineAddress("127.0.0.1:0").setRootDirectory(policyDir).setProgramDirectory(policyDir)).catch(
            (err) => {
                if (!isUnimplemented(err)) throw err;
            },
        );
        await rpc(client.configureStack, new analyzerpb.AnalyzerStackConfigureRequest().setStack(stack).setProject(project).setDryRun(true));
        const info = await rpc<Parameters<analyzerrpc.AnalyzerClient["getAnalyzerInfo"]>[0], analyzerpb.AnalyzerInfo>(client.getAnalyzerInfo, new Empty());
        const policies: PolicyInfo[] = info.getPoliciesList().map((p) => ({
            name: p.getName(),
            enforcementLevel: levelOf(p.getEnforcementlevel()),
            schema: p.getConfigschema() && { properties: p.getConfigschema()!.getProperties()?.toJavaScript() ?? {}, required: p.getConfigschema()!.getRequiredList() },
        }));
        const request = new analyzerpb.ConfigureAnalyzerRequest();
        for (const [name, settings] of reconcilePolicyConfig(policies, config)) {
            request.getPolicyconfigMap().set(name, new analyzerpb.PolicyConfig().setEnforcementlevel(protoLevel(settings.enforcementLevel)).setProperties(struct(settings.properties)));
        }
        await rpc(client.configure, request);

        const packVersion = manifest.version ?? "";
        const byUrn = new Map(resources.map((r) => [r.urn, r]));
        const violations: PolicyViolation[] = [];
        for (const resource of resources) {
            const analyzed = new analyzerpb.AnalyzeRequest()
                .setUrn(resource.urn)
                .setType(resource.type)
                .setName(resource.name)
                .setProperties(struct(resource.inputs))
                .setOptions(options(resource))
                .setProvider(providerOf(resource, byUrn));
            const response = await rpc<analyzerpb.AnalyzeRequest, analyzerpb.AnalyzeResponse>(client.analyze, analyzed);
            violations.push(...violationsOf(response.getDiagnosticsList(), packVersion, resource.urn));
        }
        // Stack policies see outputs; offline the recorded inputs stand in for them.
        const stackRequest = new analyzerpb.AnalyzeStackRequest().setResourcesList(
            resources.map((r) =>
                new analyzerpb.AnalyzerResource()
                    .setUrn(r.urn)
                    .setType(r.type)
                    .setName(r.name)
                    .setProperties(struct(r.inputs))
                    .setOptions(options(r))
                    .setProvider(providerOf(r, byUrn))
                    .setParent(r.parent ?? "")
                    .setDependenciesList(r.dependencies),
            ),
        );
        const stackResponse = await rpc<analyzerpb.AnalyzeStackRequest, analyzerpb.AnalyzeResponse>(client.analyzeStack, stackRequest);
        violations.push(...violationsOf(stackResponse.getDiagnosticsList(), packVersion));
        return { packName: info.getName(), packVersion: packVersion || info.getVersion(), violations };
    } catch (err) {
        if (err instanceof PolicyConfigError) throw err;
        throw new Error(`${(err as Error).message}\n${stderr()}`);
    } finally {
        client.close();
        child.kill();
    }
}

/** `urn:pulumi:dev::proj::parent$kubernetes:apps/v1:Deployment::web` -> type and name. */
function typeAndName(urn: string): { type: string; name: string } {
    const parts = urn.split("::");
    const qualified = parts[2] ?? "";
    return { type: qualified.slice(qualified.lastIndexOf("$") + 1), name: parts.slice(3).join("::") };
}

/** Violations as the CLI prints them under "Policy Violations:". */
export function formatViolations(violations: readonly PolicyViolation[]): string {
    if (violations.length === 0) return "Policy Violations: none";
    const lines = ["Policy Violations:"];
    for (const v of violations) {
        const subject = v.urn ? `  (${typeAndName(v.urn).type}: ${typeAndName(v.urn).name})` : "";
        lines.push(`    [${v.enforcementLevel}]  ${v.policyPackName} v${v.policyPackVersion}  ${v.policyName}${subject}`);
        lines.push(...v.message.split("\n").map((line) => `    ${line}`));
    }
    return lines.join("\n");
}

export const isMandatory = (v: PolicyViolation) => v.enforcementLevel === "mandatory";
