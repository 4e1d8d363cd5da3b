export default async function globalTeardown() {
  await globalThis.kubemock.close();
}
