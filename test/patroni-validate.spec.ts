// The Patroni configuration the program generates, checked by Patroni itself: Debian's patroni and
// the release our image installs (tools/requirements.txt), each with `--validate-config` and the
// environment a member pod gets. The image's release reads the configuration directory as the pod
// mounts it (patroni.yml and credentials.yml); Debian's 3.0 reads one file, their merge.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { patroniEnvironment } from "../components/postgres/environment";
import { CONFIG_FILES, renderPatroniConfig, renderPatroniCredentials } from "../components/postgres/patroniConfig";
import { resolveConfig } from "../config";
import { resolvePodEnv } from "./support/podEnv";
import { TOOLS_VENV, postgresBinDir, requireFile } from "./support/realTools";
import { PROJECT_DIR, STACKS, rawConfigOf } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

/** How each Patroni release is given the configuration: the directory, or one merged file. */
const VALIDATORS = {
    "Debian's patroni": { binary: () => requireFile("/usr/bin/patroni", "Debian's patroni"), directory: false },
    "the image's Patroni release": { binary: () => requireFile(path.join(TOOLS_VENV, "bin", "patroni"), "Patroni from tools/requirements.txt"), directory: true },
};

const SAMPLE_PASSWORDS = { superuser: "sample-superuser", replication: "sample-replication", rewind: "sample-rewind", restapi: "sample-restapi" };

/** The member pod's environment, with sample values for what the kubelet fills in. */
function memberEnv(): Record<string, string> {
    const fields = { "metadata.name": "postgres-0", "metadata.namespace": "platform-storage", "status.podIP": "10.244.0.7" };
    return resolvePodEnv(patroniEnvironment("postgres"), { secrets: {}, fields });
}

/** A deep merge of YAML mappings, later files winning (what Patroni does with a directory). */
function merge(base: any, over: any): any {
    if (typeof base !== "object" || typeof over !== "object" || base === null || over === null || Array.isArray(over)) return over;
    return Object.fromEntries([...new Set([...Object.keys(base), ...Object.keys(over)])].map((k) => [k, k in over ? merge(base[k], over[k]) : base[k]]));
}

function validate(validator: (typeof VALIDATORS)[keyof typeof VALIDATORS], config: unknown, credentials = renderPatroniCredentials(SAMPLE_PASSWORDS)): { status: number | null; output: string } {
    const dir = tempDir("patroni");
    let target = dir;
    if (validator.directory) {
        fs.writeFileSync(path.join(dir, CONFIG_FILES.settings), yaml.dump(config, { noRefs: true }));
        fs.writeFileSync(path.join(dir, CONFIG_FILES.credentials), yaml.dump(credentials, { noRefs: true }));
    } else {
        target = path.join(dir, "patroni.yml");
        fs.writeFileSync(target, yaml.dump(merge(config, credentials), { noRefs: true }));
    }
    // Only the pod's environment (plus PATH to PostgreSQL's binaries, as in the image).
    const env = { ...memberEnv(), PATH: `${postgresBinDir()}:/usr/bin:/bin`, HOME: dir };
    const result = spawnSync(validator.binary(), ["--validate-config", target], { env, encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("generated Patroni configuration, validated by Patroni", function () {
    this.timeout(60_000);

    it("tools/requirements.txt pins the Patroni release the image installs", () => {
        const pinned = /^patroni\[[^\]]*\]==(\S+)$/m.exec(fs.readFileSync(path.join(PROJECT_DIR, "tools", "requirements.txt"), "utf8"));
        assert.strictEqual(pinned?.[1], resolveConfig(rawConfigOf("prod")).postgres.patroniVersion);
    });

    for (const [validator, given] of Object.entries(VALIDATORS)) {
        for (const stack of STACKS) {
            it(`${validator} accepts the ${stack} stack's configuration`, () => {
                const { postgres } = resolveConfig(rawConfigOf(stack));
                const config = renderPatroniConfig({ scope: "postgres", podLabels: { "app.kubernetes.io/name": "postgres" }, settings: postgres });
                const result = validate(given, config);
                assert.strictEqual(result.status, 0, result.output);
            });
        }

        it(`${validator} rejects a broken configuration (the check can fail)`, () => {
            const { postgres } = resolveConfig(rawConfigOf("prod"));
            const config = renderPatroniConfig({ scope: "postgres", podLabels: {}, settings: postgres }) as any;
            config.restapi.listen = "not-an-address";
            const result = validate(given, config);
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /restapi\.listen/);
        });

        it(`${validator} sees the passwords of credentials.yml merged into the configuration`, () => {
            const { postgres } = resolveConfig(rawConfigOf("prod"));
            const config = renderPatroniConfig({ scope: "postgres", podLabels: {}, settings: postgres }) as any;
            // A credentials file with a broken entry fails validation: Patroni reads that file.
            const broken = renderPatroniCredentials(SAMPLE_PASSWORDS) as any;
            broken.postgresql.bin_dir = "/nonexistent";
            const result = validate(given, config, broken);
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /bin_dir/);
        });
    }
});
