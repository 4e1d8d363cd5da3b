// Moves a manual clock through the controllers' delays: to each due time in turn, settling after each,
// so work happens at the time it was due rather than all at the end.

import type { RunningServer } from '../../server/server.js';
import type { ManualClock } from '../../testkit/index.js';

export async function advance(server: RunningServer, clock: ManualClock, ms: number): Promise<void> {
  const target = clock.now().getTime() + ms;
  await server.controllers.settle();
  for (;;) {
    const due = server.controllers.nextDue()?.getTime();
    if (due === undefined || due > target) break;
    clock.advance(Math.max(0, due - clock.now().getTime()));
    await server.controllers.settle();
  }
  clock.advance(target - clock.now().getTime());
  await server.controllers.settle();
}

/** A manual clock at the current whole second, so serving certificates are valid for real clients. */
export function wallClockStart(): Date {
  return new Date(Math.floor(Date.now() / 1000) * 1000);
}
