// Plans a fixture Pulumi program as `npm run plan` plans the platform: the program runs under the
// SDK's mock runtime, then its resources go through the policy pack's analyzer with a policy config.
// Prints the violations and exits 1 on a mandatory one.
//   node -r ts-node/register/transpile-only planProgram.ts <program dir> <stack> <policy config>
import * as path from "path";
import { installMockRuntime } from "../../../scripts/plan/mockRuntime";
import { formatViolations, isMandatory, runPolicyPack } from "../../../scripts/plan/policyPack";

// The SDK instance the mock runtime and @pulumi/kubernetes use: the repository's, not the policy package's.
const pulumi = require(require.resolve("@pulumi/pulumi", { paths: [path.resolve(__dirname, "..", "..", "..", "scripts")] }));

async function main(): Promise<number> {
    const [program, stack, configFile] = process.argv.slice(2);
    const registered = await installMockRuntime("policy-fixtures", stack);
    await pulumi.runtime.runInPulumiStack(async () => require(path.resolve(program)));
    await pulumi.runtime.disconnect();
    const { violations } = await runPolicyPack(registered, stack, path.resolve(configFile));
    console.log(formatViolations(violations));
    return violations.some(isMandatory) ? 1 : 0;
}

main().then(
    (code) => process.exit(code),
    (err) => {
        console.error(err);
        process.exit(2);
    },
);
