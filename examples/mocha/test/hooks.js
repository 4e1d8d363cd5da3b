// Root hooks: one kubemock for the whole run, reset before every test, closed at the end.
import { startKubemock } from 'kubemock/testkit';

export let cluster;

export const mochaHooks = {
  async beforeAll() {
    cluster = await startKubemock();
  },
  beforeEach() {
    cluster.reset();
  },
  async afterAll() {
    await cluster.close();
  },
};
