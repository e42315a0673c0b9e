// The figures a real-process check measures: each printed as it is taken, then all of them
// together when the check ends, so a run's log shows them in one place.

export const seconds = (ms: number) => `${(ms / 1000).toFixed(1)} s`;

export class Figures {
    private readonly lines: string[] = [];

    /** `prefix` starts each line as it is reported ("objectstore e2e: "); `title` heads the summary. */
    constructor(
        private readonly title: string,
        private readonly prefix = "",
    ) {}

    /** Records a figure and prints it under the running test. */
    readonly report = (line: string): void => {
        this.lines.push(line);
        console.log(`      ${this.prefix}${line}`);
    };

    /** Prints every figure recorded, for the end of the check. */
    print(): void {
        console.log(`\n  ${this.title} figures:\n${this.lines.map((f) => `    ${f}`).join("\n")}\n`);
    }
}
