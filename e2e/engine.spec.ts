// The e2e stack through the real Pulumi engine, with the policy pack, on an empty local control
// plane (kube-apiserver, etcd, kwok): `pulumi up`, a preview that must propose nothing, an update
// of the blue-green switch, a refused violation, `destroy` — and what each leaves behind. What kwok
// and the absent controllers cannot do is simulated by scripts/e2e/simulate, and said in the log.
import * as assert from "assert";
import { ChildProcess, spawn } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { PROJECT_DIR } from "../test/support/stacks";
import { ControlPlane, startControlPlane } from "./support/controlPlane";
import { Engine, criticalPath, readEvents, resourceCounts, shortUrn, startEngine, stepTimes } from "./support/pulumi";

const STACK = "e2e";
const POLICY = ["--policy-pack", path.join(PROJECT_DIR, "policy"), "--policy-pack-config", path.join(PROJECT_DIR, "policy", "config", "dev.json")];
const PART_OF = "app.kubernetes.io/part-of=data-platform";

const report = (line: string) => console.log(`      engine e2e: ${line}`);

/** The update the run makes: switch sample-api to green, roll the idle colour (blue) to a new image, run 2 replicas. */
const UPDATE = { active: "green", idleImage: "registry.example.com/data-platform/sample-api:1.0.1", replicas: 2 };
const UPDATED = ["Deployment sample-api-blue", "Deployment sample-api-green", "Service sample-api-service", "Service sample-api-preview"];

describe("the real engine: pulumi up, a no-change preview, an update, a refused violation and destroy, with the policy pack", function () {
    this.timeout(20 * 60_000);
    let controlPlane: ControlPlane | undefined;
    let engine: Engine;
    let simulator: ChildProcess | undefined;
    let simulationLog = "";
    const reported = new Set<string>();
    /** The simulations made so far, each printed once. */
    const simulations = () => {
        const lines = fs.existsSync(simulationLog) ? fs.readFileSync(simulationLog, "utf8").split("\n").filter(Boolean) : [];
        for (const line of lines.filter((l) => !reported.has(l))) {
            reported.add(line);
            report(line);
        }
        return lines;
    };
    const events = (name: string) => path.join(engine.workDir, `${name}.events.jsonl`);
    const pulumi = (args: string[]) => {
        const run = engine.pulumi(args);
        const output = `${run.stdout}${run.stderr}`;
        return { ...run, output };
    };
    const exported = () => JSON.parse(pulumi(["stack", "export", "--stack", STACK]).stdout);
    const dependencies = () => new Map<string, string[]>(exported().deployment.resources.map((r: any) => [r.urn, r.dependencies ?? []]));
    const printCriticalPath = (name: string) => {
        const chain = criticalPath(stepTimes(readEvents(events(name))), dependencies());
        report(`${name} critical path (${chain.length} steps, ${chain.reduce((s, c) => s + c.seconds, 0)} s in steps): ${chain.map((c) => `${shortUrn(c.urn)} [${c.op} ${c.seconds}s]`).join(" -> ")}`);
        return chain;
    };

    before(() => {
        controlPlane = startControlPlane();
        report(`control plane started in ${controlPlane.startSeconds.toFixed(1)} s`);
        engine = startEngine(controlPlane.kubeconfig, [STACK]);
        // The simulator writes to a file: the pulumi commands run synchronously, so its lines are read when they return.
        simulationLog = path.join(engine.workDir, "simulations.log");
        simulator = spawn(path.join(PROJECT_DIR, "scripts", "e2e", "simulate"), [], { env: engine.env, stdio: ["ignore", fs.openSync(simulationLog, "a"), "inherit"] });
        const init = pulumi(["stack", "init", STACK]);
        assert.strictEqual(init.status, 0, init.output);
    });

    after(() => {
        simulator?.kill();
        controlPlane?.stop();
    });

    it("pulumi up creates the whole e2e stack on an empty control plane, past the policy pack and every await", () => {
        const up = pulumi(["up", "--yes", "--skip-preview", "--stack", STACK, ...POLICY, "--event-log", events("up")]);
        assert.strictEqual(up.status, 0, up.output.slice(-6000));
        assert.match(up.output, /data-platform@v0\.1\.0/, "the policy pack ran");
        assert.doesNotMatch(up.output, /\[mandatory\]/);
        const counts = resourceCounts(up.output);
        report(`pulumi up: ${JSON.stringify(counts)} in ${up.seconds.toFixed(0)} s`);
        assert.ok(counts.created > 100, JSON.stringify(counts));
        printCriticalPath("up");
        // The simulations were needed: the primary Service waited for Patroni's label, the Ingress for its address.
        assert.ok(simulations().some((s) => s.includes("role=primary")), simulations().join("\n"));
        assert.ok(simulations().some((s) => s.includes("Ingress platform-apps/")), simulations().join("\n"));
    });

    it("a second preview with the pack proposes no change (deterministic sealing, random values kept)", () => {
        const preview = pulumi(["preview", "--stack", STACK, "--expect-no-changes", ...POLICY]);
        assert.strictEqual(preview.status, 0, preview.output.slice(-4000));
        report(`preview --expect-no-changes: ${JSON.stringify(resourceCounts(preview.output))} in ${preview.seconds.toFixed(0)} s`);
    });

    it("an update: preview --diff shows exactly the blue-green switch, the idle colour's roll and the replica count", () => {
        const file = path.join(engine.projectDir, `Pulumi.${STACK}.yaml`);
        const stack = yaml.load(fs.readFileSync(file, "utf8")) as any;
        const api = stack.config["data-platform:webServices"].find((w: any) => w.name === "sample-api");
        api.blueGreen = { active: UPDATE.active, images: { blue: UPDATE.idleImage } };
        api.replicas = UPDATE.replicas;
        fs.writeFileSync(file, yaml.dump(stack));
        const preview = pulumi(["preview", "--stack", STACK, "--diff", "--json", ...POLICY]);
        assert.strictEqual(preview.status, 0, preview.output.slice(-4000));
        const steps = JSON.parse(preview.stdout).steps as { op: string; urn: string }[];
        const changed = steps.filter((s) => s.op !== "same").map((s) => `${s.op} ${shortUrn(s.urn)}`);
        report(`preview --diff of the update: ${changed.join(", ")}`);
        assert.deepStrictEqual(changed.sort(), UPDATED.map((u) => `update ${u}`).sort());
    });

    it("pulumi up applies it, switching the Service's selector only after the new colour's Deployment is rolled out", () => {
        const up = pulumi(["up", "--yes", "--skip-preview", "--stack", STACK, ...POLICY, "--event-log", events("update")]);
        assert.strictEqual(up.status, 0, up.output.slice(-6000));
        report(`pulumi up (update): ${JSON.stringify(resourceCounts(up.output))} in ${up.seconds.toFixed(0)} s`);
        const steps = stepTimes(readEvents(events("update")));
        const step = (suffix: string) => [...steps.entries()].find(([urn]) => urn.endsWith(suffix))?.[1];
        const green = step("Deployment::sample-api-green")!;
        const service = step("Service::sample-api-service")!;
        assert.ok(green && service, "both were updated");
        assert.ok(green.endSeq < service.startSeq, `the Service's update (event ${service.startSeq}) starts after the green Deployment's has completed (event ${green.endSeq})`);
        const live = JSON.parse(controlPlane!.kubectl(["-n", "platform-apps", "get", "service", "sample-api", "-o", "json"]));
        assert.strictEqual(live.spec.selector["data-platform/colour"], UPDATE.active);
        const blue = JSON.parse(controlPlane!.kubectl(["-n", "platform-apps", "get", "deployment", "sample-api-blue", "-o", "json"]));
        assert.strictEqual(blue.spec.template.spec.containers[0].image, UPDATE.idleImage);
        assert.strictEqual(blue.status.readyReplicas, UPDATE.replicas);
        printCriticalPath("update");
    });

    it("the engines namespace's real Pod Security Admission (restricted) admits Spark's rendered driver and executor pods, and refuses a privileged one", () => {
        const engines = "platform-engines";
        const labels = controlPlane!.get(["namespace", engines]).metadata.labels;
        assert.strictEqual(labels["pod-security.kubernetes.io/enforce"], "restricted");
        const templates = controlPlane!.get(["-n", engines, "configmap", "spark-conf"]).data;
        const image = controlPlane!.get(["-n", engines, "configmap", "spark-conf"]).data["spark-defaults.conf"].match(/^spark\.kubernetes\.container\.image\s+(\S+)$/m)[1];
        // As Spark makes them from the templates: its container gets the image (and command) Spark chooses.
        const podOf = (role: string, name: string) => {
            const pod = yaml.load(templates[`${role}.yaml`]) as any;
            pod.metadata.name = name;
            pod.spec.containers[0].image = image;
            return pod;
        };
        const create = (pod: object) => controlPlane!.kubectl(["-n", engines, "create", "--dry-run=server", "-f", "-"], JSON.stringify(pod));
        for (const role of ["driver", "executor"]) assert.match(create(podOf(role, `psa-spark-${role}`)), /created \(server dry run\)/);
        const privileged = podOf("executor", "psa-privileged");
        privileged.spec.containers[0].securityContext = { privileged: true };
        assert.throws(() => create(privileged), /violates PodSecurity "restricted:latest"/);
        report(`Pod Security Admission (restricted) of ${engines}: admitted the Spark driver and executor pods of spark-conf (image ${image}); refused a privileged one`);
    });

    it("the same admission admits the pods of Flink's live JobManager and TaskManager Deployments, init container included", () => {
        const engines = "platform-engines";
        const create = (pod: object) => controlPlane!.kubectl(["-n", engines, "create", "--dry-run=server", "-f", "-"], JSON.stringify(pod));
        const admitted: string[] = [];
        for (const name of ["flink-jobmanager", "flink-taskmanager"]) {
            // A Pod as the ReplicaSet controller makes it from the Deployment pulumi up created.
            const template = controlPlane!.get(["-n", engines, "deployment", name]).spec.template;
            assert.strictEqual(template.spec.initContainers[0].name, "conf");
            assert.match(create({ apiVersion: "v1", kind: "Pod", metadata: { ...template.metadata, name: `psa-${name}` }, spec: template.spec }), /created \(server dry run\)/);
            admitted.push(`${name} (${template.spec.containers[0].image})`);
        }
        report(`Pod Security Admission (restricted) of ${engines}: admitted the pods of ${admitted.join(", ")}`);
    });

    it("refuses a privileged container: pulumi preview --policy-pack of e2e/violation fails, naming pod-security-privileged", () => {
        const dir = engine.project("violation", path.join(PROJECT_DIR, "e2e", "violation"));
        const init = engine.pulumi(["stack", "init", "violation"], { cwd: dir });
        assert.strictEqual(init.status, 0, init.stderr);
        const preview = engine.pulumi(["preview", "--stack", "violation", "--policy-pack", path.join(PROJECT_DIR, "policy")], { cwd: dir });
        const output = `${preview.stdout}${preview.stderr}`;
        assert.notStrictEqual(preview.status, 0, output);
        assert.match(output, /\[mandatory\]\s+pod-security-privileged/);
        assert.match(output, /Deployment policy-violation\/privileged/);
        report(`the violation was refused (exit ${preview.status}): ${[...new Set(output.match(/\[mandatory\]\s+[a-z-]+/g) ?? [])].join(", ")}`);
    });

    it("pulumi stack export holds no secret value in plaintext", () => {
        const shown = pulumi(["stack", "export", "--stack", STACK, "--show-secrets"]).stdout;
        const plaintexts: string[] = [];
        const walk = (v: unknown): void => {
            if (Array.isArray(v)) v.forEach(walk);
            else if (v && typeof v === "object") {
                const o = v as Record<string, unknown>;
                if (o["4dabf18193072939515e22adb298388d"] === "1b47061264138c4ac30d75fd1eb44270" && typeof o.plaintext === "string") plaintexts.push(JSON.parse(o.plaintext));
                else Object.values(o).forEach(walk);
            }
        };
        walk(JSON.parse(shown));
        const secrets = plaintexts.flatMap((p) => (typeof p === "string" ? [p] : Object.values(p ?? {}).filter((x): x is string => typeof x === "string"))).filter((s) => s.length >= 12);
        assert.ok(secrets.length >= 10, `${secrets.length} secret values found`);
        const plain = JSON.stringify(exported());
        const leaked = secrets.filter((s) => plain.includes(JSON.stringify(s).slice(1, -1)));
        assert.deepStrictEqual(leaked.map((s) => `${s.slice(0, 6)}...`), [], "plaintext secrets in the state");
        report(`stack export: ${secrets.length} secret values, all encrypted`);
    });

    it("pulumi destroy removes every object labelled app.kubernetes.io/part-of=data-platform, cluster-scoped included; only released volumes remain", () => {
        const destroy = pulumi(["destroy", "--yes", "--skip-preview", "--stack", STACK, "--event-log", events("destroy")]);
        assert.strictEqual(destroy.status, 0, destroy.output.slice(-6000));
        report(`pulumi destroy: ${JSON.stringify(resourceCounts(destroy.output))} in ${destroy.seconds.toFixed(0)} s`);
        const kinds = controlPlane!.kubectl(["api-resources", "--verbs=list", "-o", "name"]).split("\n").filter(Boolean);
        const left = kinds.flatMap((kind) => controlPlane!.kubectl(["get", kind, "-A", "-l", PART_OF, "-o", "name", "--ignore-not-found"]).split("\n").filter(Boolean));
        assert.deepStrictEqual(left, [], "objects of the platform left behind");
        const volumes = controlPlane!.get(["persistentvolumes"]).items as any[];
        const released = volumes.filter((v) => v.status.phase === "Released").map((v) => `${v.metadata.name} (was ${v.spec.claimRef.namespace}/${v.spec.claimRef.name})`);
        report(`residue: ${released.length} released PersistentVolumes, as their reclaim policy (Retain) keeps data: ${released.join(", ")}`);
    });
});
