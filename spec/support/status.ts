// Assertions on the metav1.Status a failed client-node call carries.

import { expect } from 'chai';

export interface StatusBody {
  kind: string;
  apiVersion: string;
  status: string;
  message: string;
  reason: string;
  code: number;
  details: any;
  metadata: Record<string, unknown>;
}

/** Awaits a call that must fail and checks its Status; returns the parsed Status. */
export async function expectStatus(call: Promise<unknown>, code: number, reason: string, message?: string): Promise<StatusBody> {
  let caught: unknown;
  try {
    await call;
  } catch (err) {
    caught = err;
  }
  expect(caught, 'the call should have failed').to.be.instanceOf(Error);
  const err = caught as { code?: number; body?: unknown };
  expect(err.code, `HTTP code (body: ${String(err.body)})`).to.equal(code);
  const status = (typeof err.body === 'string' ? JSON.parse(err.body) : err.body) as StatusBody;
  expect(status).to.include({ kind: 'Status', apiVersion: 'v1', status: 'Failure', reason, code });
  if (message !== undefined) expect(status.message).to.equal(message);
  return status;
}
