// Offline plan: `npm run plan -- <stack> [--stack-dir DIR] [--out DIR]`.
// Runs the program for a stack under the SDK's mock runtime (no Pulumi CLI, no cluster), prints
// the resource tree and counts, writes every Kubernetes object and Helm chart request as YAML
// under out/<stack>/, validates every object against its schema, and exits non-zero on a config
// error (2) or an invalid object (1).
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import * as pulumi from "@pulumi/pulumi";
import { chartBudget, formatRequests, objectBudget, total } from "./plan/budget";
import { ChartRequest, RenderedObject, isHelm, isKubernetesObject, renderChart, renderObject } from "./plan/manifests";
import { installMockRuntime } from "./plan/mockRuntime";
import { validateObject } from "./plan/schema";
import { StackFileError, readStackConfig } from "./plan/stackConfig";
import { countsByType, resourceTree } from "./plan/tree";

const PROJECT_DIR = path.resolve(__dirname, "..");

interface Options {
    readonly stack: string;
    readonly stackDir: string;
    readonly outDir: string;
}

function parseArgs(argv: string[]): Options {
    const positional: string[] = [];
    const flags: Record<string, string> = {};
    for (let i = 0; i < argv.length; i++) {
        if (argv[i].startsWith("--")) flags[argv[i].slice(2)] = argv[++i];
        else positional.push(argv[i]);
    }
    if (positional.length !== 1) {
        throw new StackFileError("usage: npm run plan -- <stack> [--stack-dir DIR] [--out DIR]");
    }
    const stack = positional[0];
    return {
        stack,
        stackDir: path.resolve(flags["stack-dir"] ?? PROJECT_DIR),
        outDir: path.resolve(flags.out ?? path.join(PROJECT_DIR, "out", stack)),
    };
}

function dump(value: unknown): string {
    return yaml.dump(value, { sortKeys: true, noRefs: true, lineWidth: -1 });
}

function writeFile(outDir: string, file: string, text: string): void {
    const target = path.join(outDir, file);
    fs.mkdirSync(path.dirname(target), { recursive: true });
    fs.writeFileSync(target, text);
}

function chartDocument(chart: ChartRequest): unknown {
    return { chart: chart.chart, version: chart.version, repository: chart.repository, namespace: chart.namespace, values: chart.values };
}

async function main(): Promise<number> {
    const options = parseArgs(process.argv.slice(2));
    const config = readStackConfig(options.stackDir, options.stack);
    // Config must be in place before the program is imported (pulumi.Config reads it eagerly).
    pulumi.runtime.setAllConfig(config.values, config.secretKeys);
    const registered = await installMockRuntime(config.project, config.stack);

    const failures: unknown[] = [];
    process.on("unhandledRejection", (reason) => failures.push(reason));
    let outputs: Record<string, unknown> | undefined;
    try {
        outputs = await pulumi.runtime.runInPulumiStack(async () => require(path.join(PROJECT_DIR, "index")));
        await pulumi.runtime.disconnect();
    } catch (err) {
        failures.push(err);
    }
    if (failures.length > 0) {
        for (const err of failures) {
            if (pulumi.RunError.isInstance(err)) console.error(`error: ${(err as Error).message}`);
            else console.error(err);
        }
        return failures.every((e) => pulumi.RunError.isInstance(e)) ? 2 : 1;
    }

    // In URN order, not registration order: everything the plan writes depends only on what is
    // registered, so a change in the program's structure that registers the same resources plans the same.
    const sorted = [...registered].sort((a, b) => a.urn.localeCompare(b.urn));
    const objects: RenderedObject[] = sorted.filter(isKubernetesObject).map(renderObject);
    const charts = sorted.filter(isHelm).map(renderChart);
    fs.rmSync(options.outDir, { recursive: true, force: true });
    const seen = new Map<string, RenderedObject>();
    const invalid: string[] = [];
    for (const rendered of objects) {
        const clash = seen.get(rendered.file);
        if (clash) invalid.push(`${rendered.file}: ${rendered.resource.urn} and ${clash.resource.urn} are the same object`);
        seen.set(rendered.file, rendered);
        const result = validateObject(rendered.object);
        if (!result.ok) invalid.push(...result.errors.map((e) => `${rendered.file}: ${e}`));
        writeFile(options.outDir, rendered.file, dump(rendered.object));
    }
    for (const chart of charts) writeFile(options.outDir, chart.file, dump(chartDocument(chart)));
    writeFile(options.outDir, "resources.json", JSON.stringify(sorted, null, 2) + "\n");

    const budget = [...objectBudget(objects.map((o) => o.object)), ...chartBudget(charts)];
    const summary = [
        `Plan of stack "${config.stack}": ${registered.length} resources, ${objects.length} Kubernetes objects, ${charts.length} Helm charts`,
        "",
        "Resources:",
        resourceTree(sorted),
        "",
        "Counts by type:",
        countsByType(sorted),
        "",
        "Outputs:",
        dump(outputs ?? {}).trimEnd(),
        "",
        `Requests of long-running pods on one node: ${formatRequests(total(budget))}`,
        ...budget.map((l) => `  ${formatRequests({ cpu: l.perReplica.cpu * l.replicas, memory: l.perReplica.memory * l.replicas })}  ${l.replicas} x ${l.what}`),
        "",
        `Schema validation: ${objects.length - new Set(invalid.map((i) => i.split(":")[0])).size} valid, ${new Set(invalid.map((i) => i.split(":")[0])).size} invalid`,
        ...invalid.map((i) => `  invalid: ${i}`),
    ].join("\n");
    writeFile(options.outDir, "plan.txt", summary + "\n");
    console.log(summary);
    console.log(`Written to ${path.relative(process.cwd(), options.outDir) || "."}/`);

    // --- Policy pack (policy/): every resource through the pack's analyzer server, as
    // `pulumi preview --policy-pack policy --policy-pack-config policy/config/<stack>.json` runs it.
    // A mandatory violation fails the plan (1); an invalid policy config is a config error (2).
    const { PolicyConfigError, formatViolations, isMandatory, policyConfigFile, runPolicyPack } = await import("./plan/policyPack");
    const policyConfig = policyConfigFile(config.stack, config.values[`${config.project}:environment`]);
    let violations;
    try {
        violations = (await runPolicyPack(sorted, config.stack, policyConfig)).violations;
    } catch (err) {
        if (!(err instanceof PolicyConfigError)) throw err;
        console.error(`error: ${path.relative(process.cwd(), policyConfig)}: ${err.message}`);
        return 2;
    }
    const policyReport = `Policies (${path.relative(PROJECT_DIR, policyConfig)}): ${violations.filter(isMandatory).length} mandatory, ${violations.filter((v) => !isMandatory(v)).length} advisory\n${formatViolations(violations)}`;
    writeFile(options.outDir, "policy.txt", policyReport + "\n");
    console.log(`\n${policyReport}`);
    if (violations.some(isMandatory)) return 1;
    // --- end of the policy pack

    return invalid.length > 0 ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err instanceof StackFileError ? `error: ${err.message}` : err);
        process.exit(2);
    },
);
