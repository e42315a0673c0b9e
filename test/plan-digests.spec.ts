// What every stack's plan writes is recorded (test/fixtures/plan-digests.json): a change of the
// program's structure must leave it byte for byte as it was. A change meant to alter it records
// new digests with its reason (`npm run plan:digests -- --reason "..."`), which review then sees.
import * as assert from "assert";
import { DIGEST_STACKS, planDigests, readDigests } from "../scripts/plan/digests";
import { planOf } from "./support/plan";

describe("the plans are what was recorded (test/fixtures/plan-digests.json)", function () {
    const recorded = readDigests();

    it("records why the plans last changed", () => {
        assert.ok(recorded.reason.length > 10, recorded.reason);
        assert.deepStrictEqual(Object.keys(recorded.stacks).sort(), [...DIGEST_STACKS].sort());
    });

    for (const stack of DIGEST_STACKS) {
        it(`${stack}: every file the plan writes is byte-identical to the recorded plan`, () => {
            const plan = planOf(stack);
            assert.strictEqual(plan.code, 0, plan.stderr);
            const actual = planDigests(plan.outDir);
            const expected = recorded.stacks[stack];
            const changed = Object.keys({ ...actual, ...expected })
                .filter((file) => actual[file] !== expected[file])
                .map((file) => `${file}: ${expected[file] ? (actual[file] ? "differs" : "no longer written") : "new"}`)
                .sort();
            assert.deepStrictEqual(changed, [], `the ${stack} plan changed; if that is meant, record it: npm run plan:digests -- --reason "..."`);
        });
    }
});
