// Scratch directories for tests, removed when the run ends (see mochaHooks below).
import * as fs from "fs";
import * as os from "os";
import * as path from "path";

const created: string[] = [];

export function tempDir(prefix: string): string {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), `${prefix}-`));
    created.push(dir);
    return dir;
}

/** Loaded by .mocharc.json: clean up after the whole run. */
export const mochaHooks = {
    afterAll(): void {
        for (const dir of created.splice(0)) fs.rmSync(dir, { recursive: true, force: true });
    },
};
