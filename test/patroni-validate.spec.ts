// The Patroni configuration the program generates, checked by Patroni itself: Debian's patroni and
// the release our image installs (tools/requirements.txt), each with `--validate-config` and the
// environment a member pod gets.
import * as assert from "assert";
import { spawnSync } from "child_process";
import * as fs from "fs";
import * as yaml from "js-yaml";
import * as path from "path";
import { CREDENTIAL_KEYS, patroniEnvironment } from "../components/postgres/environment";
import { renderPatroniConfig } from "../components/postgres/patroniConfig";
import { resolveConfig } from "../config";
import { resolvePodEnv } from "./support/podEnv";
import { TOOLS_VENV, postgresBinDir, requireFile } from "./support/realTools";
import { PROJECT_DIR, STACKS, rawConfigOf } from "./support/stacks";
import { tempDir } from "./support/tempdirs";

const VALIDATORS = {
    "Debian's patroni": () => requireFile("/usr/bin/patroni", "Debian's patroni"),
    "the image's Patroni release": () => requireFile(path.join(TOOLS_VENV, "bin", "patroni"), "Patroni from tools/requirements.txt"),
};

/** The member pod's environment, with sample values for what the kubelet fills in. */
function memberEnv(): Record<string, string> {
    const secrets = Object.fromEntries(Object.values(CREDENTIAL_KEYS).map((k) => [`postgres-credentials/${k}`, `sample-${k}`]));
    const fields = { "metadata.name": "postgres-0", "metadata.namespace": "platform-storage", "status.podIP": "10.244.0.7" };
    return resolvePodEnv(patroniEnvironment("postgres", "postgres-credentials"), { secrets, fields });
}

function validate(binary: string, config: unknown): { status: number | null; output: string } {
    const file = path.join(tempDir("patroni"), "patroni.yml");
    fs.writeFileSync(file, yaml.dump(config, { noRefs: true }));
    // Only the pod's environment (plus PATH to PostgreSQL's binaries, as in the image).
    const env = { ...memberEnv(), PATH: `${postgresBinDir()}:/usr/bin:/bin`, HOME: path.dirname(file) };
    const result = spawnSync(binary, ["--validate-config", file], { env, encoding: "utf8" });
    return { status: result.status, output: `${result.stdout}${result.stderr}` };
}

describe("generated Patroni configuration, validated by Patroni", function () {
    this.timeout(60_000);

    it("tools/requirements.txt pins the Patroni release the image installs", () => {
        const pinned = /^patroni\[[^\]]*\]==(\S+)$/m.exec(fs.readFileSync(path.join(PROJECT_DIR, "tools", "requirements.txt"), "utf8"));
        assert.strictEqual(pinned?.[1], resolveConfig(rawConfigOf("prod")).postgres.patroniVersion);
    });

    for (const [validator, binary] of Object.entries(VALIDATORS)) {
        for (const stack of STACKS) {
            it(`${validator} accepts the ${stack} stack's configuration`, () => {
                const { postgres } = resolveConfig(rawConfigOf(stack));
                const config = renderPatroniConfig({ scope: "postgres", podLabels: { "app.kubernetes.io/name": "postgres" }, settings: postgres });
                const result = validate(binary(), config);
                assert.strictEqual(result.status, 0, result.output);
            });
        }

        it(`${validator} rejects a broken configuration (the check can fail)`, () => {
            const { postgres } = resolveConfig(rawConfigOf("prod"));
            const config = renderPatroniConfig({ scope: "postgres", podLabels: {}, settings: postgres }) as any;
            config.restapi.listen = "not-an-address";
            const result = validate(binary(), config);
            assert.notStrictEqual(result.status, 0);
            assert.match(result.output, /restapi\.listen/);
        });
    }
});
