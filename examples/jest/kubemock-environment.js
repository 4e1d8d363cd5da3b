// A test environment with a kubemock of its own for each test file that asks for it with
// `@jest-environment ./kubemock-environment.js`: the file sees it as the global `kubemock`.
import { TestEnvironment } from 'jest-environment-node';
import { startKubemock } from 'kubemock/testkit';

export default class KubemockEnvironment extends TestEnvironment {
  async setup() {
    await super.setup();
    this.cluster = await startKubemock();
    this.global.kubemock = this.cluster;
  }

  async teardown() {
    await this.cluster?.close();
    await super.teardown();
  }
}
