import * as assert from "assert";
import * as fs from "fs";
import * as path from "path";
import { withGeneratedBlocks } from "../scripts/docs";
import { PROJECT_DIR } from "./support/stacks";

const read = (file: string) => fs.readFileSync(path.join(PROJECT_DIR, file), "utf8");

describe("documentation", () => {
    it("README's config and alerts tables match the config catalogue, the stack files and the alert rules (npm run docs)", () => {
        const readme = read("README.md");
        assert.strictEqual(withGeneratedBlocks(readme), readme, "README.md generated tables are stale: run `npm run docs`");
    });

    it("README names the deploy and test commands, and CI runs the test command", () => {
        const readme = read("README.md");
        assert.ok(readme.includes("npm ci && npm run up:dev"));
        assert.ok(readme.includes("scripts/install-test-deps && npm ci && npm test"));
        const packageJson = JSON.parse(read("package.json"));
        assert.match(packageJson.scripts["up:dev"], /scripts\/up-dev/);
        assert.match(read("scripts/up-dev"), /pulumi login "file:\/\/\$PWD\/\.pulumi"[\s\S]*pulumi up --stack dev --policy-pack policy/);
        assert.match(read(".ci/run"), /^scripts\/install-test-deps && npm ci --no-audit --no-fund && npm test$/m);
    });
});
