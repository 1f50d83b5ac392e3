// Appends one line per test file start and end, and per test start, to the file named by
// POS_BRIDGE_TEST_PROGRESS, at once. Vitest prints a file's results only when the file ends, so a file
// that never ends is invisible in its output; this log names it and the test it was in (.ci/run reads it).
import { appendFileSync } from 'node:fs';
import type { Reporter, TestCase, TestModule } from 'vitest/node';

export default class ProgressLog implements Reporter {
  private readonly path = process.env.POS_BRIDGE_TEST_PROGRESS;

  private write(line: string): void {
    if (this.path) appendFileSync(this.path, `${new Date().toISOString()} ${line}\n`);
  }

  onTestModuleStart(module: TestModule): void {
    this.write(`start ${module.relativeModuleId}`);
  }

  onTestCaseReady(test: TestCase): void {
    this.write(`test ${test.module.relativeModuleId} > ${test.fullName}`);
  }

  onTestModuleEnd(module: TestModule): void {
    this.write(`end ${module.relativeModuleId} ${module.state()}`);
  }
}
