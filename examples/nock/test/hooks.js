// No request may leave for anywhere but kubemock: code under test can never reach a real cluster
// (or anything else) by mistake, whatever kubeconfig it finds.
import nock from 'nock';
import { startKubemock } from 'kubemock/testkit';

export let cluster;

export const mochaHooks = {
  async beforeAll() {
    cluster = await startKubemock();
    nock.disableNetConnect();
    nock.enableNetConnect(new URL(cluster.url).host);
  },
  beforeEach() {
    cluster.reset();
  },
  async afterAll() {
    nock.enableNetConnect();
    nock.restore();
    await cluster.close();
  },
};
