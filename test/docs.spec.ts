import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { withConfigTable } from "../scripts/configTable";
import { PROJECT_DIR } from "./support/stacks";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");

describe("documentation", () => {
    it("README's config table matches the catalogue and the stack files (npm run docs:config)", () => {
        const readme = read("README.md");
        assert.strictEqual(withConfigTable(readme), readme, "README.md config table is stale: run `npm run docs:config`");
    });

    it("README names the deploy and test commands, and CI runs the test command", () => {
        const readme = read("README.md");
        assert.ok(readme.includes("npm ci && npm run up:dev"));
        assert.ok(readme.includes("scripts/install-test-deps && npm ci && npm test"));
        const packageJson = JSON.parse(read("package.json"));
        assert.match(packageJson.scripts["up:dev"], /scripts\/up-dev/);
        assert.match(read("scripts/up-dev"), /pulumi login "file:\/\/\$PWD\/\.pulumi"[\s\S]*pulumi up --stack dev/);
        assert.match(read(".ci/run"), /^scripts\/install-test-deps && npm ci --no-audit --no-fund && npm test$/m);
    });
});
