// The PostgreSQL objects of a stack as the program renders them: the offline plan's manifests
// (`npm run plan -- <stack>`), so the check runs what `pulumi up` would deploy.
import * as yaml from "js-yaml";
import { EnvVar } from "../../components/postgres/environment";
import { CONFIG_FILES } from "../../components/postgres/patroniConfig";
import { objectsOf, runPlan } from "../../test/support/plan";

/** What the member pods need on the API server; the rest (sealed secrets, jobs, quotas) plays no part here. */
const MEMBER_KINDS = new Set(["ServiceAccount", "Role", "RoleBinding", "ConfigMap", "Service", "StatefulSet", "PodDisruptionBudget"]);

export interface PlannedPostgres {
    readonly namespace: string;
    /** PATRONI_SCOPE of the members. */
    readonly scope: string;
    readonly statefulSet: any;
    /** The patroni.yml the members mount, parsed. */
    readonly config: any;
    /** The dynamic configuration the DCS sync Job applies (dynamic.json of the same ConfigMap), parsed. */
    readonly dynamic: any;
    /** The patroni container's env, as in the pod spec (secretKeyRef/fieldRef unresolved). */
    readonly env: EnvVar[];
    /** The Namespace and the member objects, in an order `kubectl apply` accepts. */
    readonly objects: any[];
}

export function plannedPostgres(stack: string): PlannedPostgres {
    return postgresOfPlan(plannedObjectsOf(stack));
}

/** Every object of a stack's offline plan (of a stack file in `stackDir`, when given). */
export function plannedObjectsOf(stack: string, stackDir?: string): any[] {
    const plan = runPlan(stack, stackDir ? { stackDir } : {});
    if (plan.code !== 0) throw new Error(`npm run plan -- ${stack} failed:\n${plan.stderr}`);
    return objectsOf(plan.outDir);
}

/** The PostgreSQL members' objects and configuration among a plan's objects. */
export function postgresOfPlan(all: any[]): PlannedPostgres {
    const patroniContainer = (o: any) => o.spec?.template?.spec?.containers?.find((c: any) => c.env?.some((e: EnvVar) => e.name === "PATRONI_SCOPE"));
    const statefulSet = all.find((o) => o.kind === "StatefulSet" && patroniContainer(o));
    if (!statefulSet) throw new Error("the plan has no StatefulSet running Patroni");
    const env: EnvVar[] = patroniContainer(statefulSet).env;
    const namespace: string = statefulSet.metadata.namespace;
    // The configuration directory: patroni.yml from a ConfigMap and credentials.yml from the credentials Secret, projected together.
    const settingsSource = statefulSet.spec.template.spec.volumes.flatMap((v: any) => v.projected?.sources ?? []).find((s: any) => s.configMap?.items?.some((i: any) => i.path === CONFIG_FILES.settings));
    if (!settingsSource) throw new Error("the members mount no patroni.yml");
    const settings = all.find((o) => o.kind === "ConfigMap" && o.metadata.namespace === namespace && o.metadata.name === settingsSource.configMap.name);
    const members = all.filter(
        (o) =>
            MEMBER_KINDS.has(o.kind) &&
            o.metadata.namespace === namespace &&
            Object.entries(statefulSet.metadata.labels).every(([k, v]) => o.metadata.labels?.[k] === v),
    );
    const ns = all.find((o) => o.kind === "Namespace" && o.metadata.name === namespace);
    return {
        namespace,
        scope: env.find((e) => e.name === "PATRONI_SCOPE")!.value!,
        statefulSet,
        config: yaml.load(settings.data[CONFIG_FILES.settings]),
        dynamic: JSON.parse(settings.data[CONFIG_FILES.dynamic]),
        env,
        // The ServiceAccount before the StatefulSet: pods naming a missing account are refused.
        objects: [ns, ...members.sort((a, b) => Number(a.kind === "StatefulSet") - Number(b.kind === "StatefulSet"))],
    };
}
