// CronJob schedules and time zones as kube-apiserver checks them and kube-controller-manager runs
// them: the standard cron parser of robfig/cron v3 (five fields or a descriptor) with its error
// texts, its Next() walk through wall-clock fields, and Go's time zone lookup.

interface Bounds {
  min: number;
  max: number;
  names?: Record<string, number>;
}

const months: Bounds = {
  min: 1,
  max: 12,
  names: { jan: 1, feb: 2, mar: 3, apr: 4, may: 5, jun: 6, jul: 7, aug: 8, sep: 9, oct: 10, nov: 11, dec: 12 },
};
const daysOfWeek: Bounds = { min: 0, max: 6, names: { sun: 0, mon: 1, tue: 2, wed: 3, thu: 4, fri: 5, sat: 6 } };
const fieldBounds: Bounds[] = [{ min: 0, max: 59 }, { min: 0, max: 23 }, { min: 1, max: 31 }, months, daysOfWeek];

/** Go's %s of a []string: `[a b c]`. */
function goList(items: string[]): string {
  return `[${items.join(' ')}]`;
}

/** strconv.Atoi with Go's error text. */
function atoi(text: string): number {
  if (!/^[+-]?\d+$/.test(text)) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(text)}: invalid syntax`);
  const value = Number(text);
  if (!Number.isSafeInteger(value) || Math.abs(value) > 2 ** 63 - 1) throw new Error(`strconv.Atoi: parsing ${JSON.stringify(text)}: value out of range`);
  return value;
}

function parseInt_(expr: string): number {
  let num: number;
  try {
    num = atoi(expr);
  } catch (err) {
    throw new Error(`failed to parse int from ${expr}: ${(err as Error).message}`);
  }
  if (num < 0) throw new Error(`negative number (${num}) not allowed: ${expr}`);
  return num;
}

function parseIntOrName(expr: string, names?: Record<string, number>): number {
  const named = names?.[expr.toLowerCase()];
  return named ?? parseInt_(expr);
}

/** The values one field matches; `star` when it was `*` or `?` (robfig's starBit, which makes day of month and day of week both count). */
interface FieldSet {
  values: Set<number>;
  star: boolean;
}

function rangeOf(expr: string, bounds: Bounds, into: FieldSet): void {
  const rangeAndStep = expr.split('/');
  const lowAndHigh = rangeAndStep[0].split('-');
  let start: number;
  let end: number;
  let star = false;
  if (lowAndHigh[0] === '*' || lowAndHigh[0] === '?') {
    start = bounds.min;
    end = bounds.max;
    star = true;
  } else {
    start = parseIntOrName(lowAndHigh[0], bounds.names);
    if (lowAndHigh.length === 1) end = start;
    else if (lowAndHigh.length === 2) end = parseIntOrName(lowAndHigh[1], bounds.names);
    else throw new Error(`too many hyphens: ${expr}`);
  }
  let step = 1;
  if (rangeAndStep.length === 2) {
    step = parseInt_(rangeAndStep[1]);
    if (lowAndHigh.length === 1) end = bounds.max;
    if (step > 1) star = false;
  } else if (rangeAndStep.length > 2) {
    throw new Error(`too many slashes: ${expr}`);
  }
  if (start < bounds.min) throw new Error(`beginning of range (${start}) below minimum (${bounds.min}): ${expr}`);
  if (end > bounds.max) throw new Error(`end of range (${end}) above maximum (${bounds.max}): ${expr}`);
  if (start > end) throw new Error(`beginning of range (${start}) beyond end of range (${end}): ${expr}`);
  if (step === 0) throw new Error(`step of range should be a positive number: ${expr}`);
  for (let v = start; v <= end; v += step) into.values.add(v);
  if (star) into.star = true;
}

function fieldOf(text: string, bounds: Bounds): FieldSet {
  const set: FieldSet = { values: new Set(), star: false };
  for (const expr of text.split(',').filter(Boolean)) rangeOf(expr, bounds, set);
  return set;
}

const only = (value: number): FieldSet => ({ values: new Set([value]), star: false });
const every = (bounds: Bounds): FieldSet => fieldOf('*', bounds);

const durationUnits: Record<string, number> = { ns: 1, us: 1e3, 'µs': 1e3, 'μs': 1e3, ms: 1e6, s: 1e9, m: 60e9, h: 3600e9 };

/** time.ParseDuration in nanoseconds, with Go's error text. */
function goDuration(text: string): number {
  const quoted = JSON.stringify(text);
  let rest = text;
  const negative = rest.startsWith('-');
  if (rest.startsWith('-') || rest.startsWith('+')) rest = rest.slice(1);
  if (rest === '0') return 0;
  if (rest === '') throw new Error(`time: invalid duration ${quoted}`);
  let total = 0;
  while (rest !== '') {
    const number = /^(\d*)(\.\d*)?/.exec(rest)!;
    if (number[0] === '' || number[0] === '.') throw new Error(`time: invalid duration ${quoted}`);
    rest = rest.slice(number[0].length);
    const unit = /^[^\d.]*/.exec(rest)![0];
    if (unit === '') throw new Error(`time: missing unit in duration ${quoted}`);
    if (!(unit in durationUnits)) throw new Error(`time: unknown unit ${JSON.stringify(unit)} in duration ${quoted}`);
    total += Number(number[0]) * durationUnits[unit];
    rest = rest.slice(unit.length);
  }
  return negative ? -total : total;
}

/** A parsed schedule: the next activation strictly after a time (robfig's Schedule.Next). */
export interface CronSchedule {
  next(after: Date): Date | undefined;
}

/** cron.ParseStandard; throws with its error text. A schedule without a zone runs in UTC. */
export function parseCronSchedule(schedule: string): CronSchedule {
  let spec = schedule;
  let zone = 'UTC';
  if (spec.length === 0) throw new Error('empty spec string');
  if (spec.startsWith('TZ=') || spec.startsWith('CRON_TZ=')) {
    const space = spec.indexOf(' ');
    zone = spec.slice(spec.indexOf('=') + 1, space < 0 ? undefined : space);
    const zoneError = timeZoneError(zone);
    if (zoneError) throw new Error(`provided bad location ${zone}: ${zoneError}`);
    spec = space < 0 ? '' : spec.slice(space).trim();
  }
  if (spec.startsWith('@')) {
    if (spec.startsWith('@every ')) {
      let ns: number;
      try {
        ns = goDuration(spec.slice('@every '.length));
      } catch (err) {
        throw new Error(`failed to parse duration ${spec}: ${(err as Error).message}`);
      }
      // cron.Every: at least a second, in whole seconds, from the start of the second.
      const delayMs = Math.max(1000, Math.floor(ns / 1e9) * 1000);
      return { next: (after) => new Date(Math.floor(after.getTime() / 1000) * 1000 + delayMs) };
    }
    const [, hour, dom, month, dow] = fieldBounds;
    const midnight = { minute: only(0), hour: only(0) };
    const descriptor: Record<string, SpecFields> = {
      '@yearly': { ...midnight, dom: only(1), month: only(1), dow: every(dow) },
      '@monthly': { ...midnight, dom: only(1), month: every(month), dow: every(dow) },
      '@weekly': { ...midnight, dom: every(dom), month: every(month), dow: only(0) },
      '@daily': { ...midnight, dom: every(dom), month: every(month), dow: every(dow) },
      '@hourly': { minute: only(0), hour: every(hour), dom: every(dom), month: every(month), dow: every(dow) },
    };
    descriptor['@annually'] = descriptor['@yearly'];
    descriptor['@midnight'] = descriptor['@daily'];
    const fields = descriptor[spec];
    if (!fields) throw new Error(`unrecognized descriptor: ${spec}`);
    return specSchedule(fields, zone);
  }
  const fields = spec.split(/\s+/).filter(Boolean);
  if (fields.length !== 5) throw new Error(`expected exactly 5 fields, found ${fields.length}: ${goList(fields)}`);
  const [minute, hour, dom, month, dow] = fields.map((f, i) => fieldOf(f, fieldBounds[i]));
  return specSchedule({ minute, hour, dom, month, dow }, zone);
}

/** The error cron.ParseStandard gives for a schedule, or undefined when it parses. */
export function cronScheduleError(schedule: string): string | undefined {
  try {
    parseCronSchedule(schedule);
    return undefined;
  } catch (err) {
    return (err as Error).message;
  }
}

interface SpecFields {
  minute: FieldSet;
  hour: FieldSet;
  dom: FieldSet;
  month: FieldSet;
  dow: FieldSet;
}

const hourMs = 3_600_000;
const minuteMs = 60_000;

/** SpecSchedule.Next: moves through months and days by wall-clock date in the zone, through hours and minutes by elapsed time. */
function specSchedule(s: SpecFields, zone: string): CronSchedule {
  const dayMatches = (w: Wall) => {
    const domMatch = s.dom.values.has(w.day);
    const dowMatch = s.dow.values.has(w.weekday);
    return s.dom.star || s.dow.star ? domMatch && dowMatch : domMatch || dowMatch;
  };
  return {
    next(after) {
      // The start of the next second; the seconds field of a standard schedule is always 0.
      let t = Math.floor(after.getTime() / 1000) * 1000 + 1000;
      let w = wallClock(t, zone);
      let added = false;
      const yearLimit = w.year + 5;
      wrap: for (;;) {
        if (w.year > yearLimit) return undefined;
        while (!s.month.values.has(w.month)) {
          if (!added) {
            added = true;
            t = zonedDate(zone, w.year, w.month, 1, 0, 0, 0);
          }
          w = wallClock(t, zone);
          t = zonedDate(zone, w.year, w.month + 1, w.day, w.hour, w.minute, w.second);
          w = wallClock(t, zone);
          if (w.month === 1) continue wrap;
        }
        while (!dayMatches(w)) {
          if (!added) {
            added = true;
            t = zonedDate(zone, w.year, w.month, w.day, 0, 0, 0);
            w = wallClock(t, zone);
          }
          t = zonedDate(zone, w.year, w.month, w.day + 1, w.hour, w.minute, w.second);
          w = wallClock(t, zone);
          // Back to midnight when a daylight saving change moved the hour.
          if (w.hour !== 0) {
            t += (w.hour > 12 ? 24 - w.hour : -w.hour) * hourMs;
            w = wallClock(t, zone);
          }
          if (w.day === 1) continue wrap;
        }
        while (!s.hour.values.has(w.hour)) {
          if (!added) {
            added = true;
            t = zonedDate(zone, w.year, w.month, w.day, w.hour, 0, 0);
          }
          t += hourMs;
          w = wallClock(t, zone);
          if (w.hour === 0) continue wrap;
        }
        while (!s.minute.values.has(w.minute)) {
          if (!added) {
            added = true;
            t = Math.floor(t / minuteMs) * minuteMs;
          }
          t += minuteMs;
          w = wallClock(t, zone);
          if (w.minute === 0) continue wrap;
        }
        while (w.second !== 0) {
          if (!added) added = true;
          t += 1000;
          w = wallClock(t, zone);
          if (w.second === 0) continue wrap;
        }
        return new Date(t);
      }
    },
  };
}

interface Wall {
  year: number;
  month: number;
  day: number;
  hour: number;
  minute: number;
  second: number;
  weekday: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

/** The wall-clock fields of an instant in a zone. */
function wallClock(ms: number, zone: string): Wall {
  const at = new Date(ms + offsetMs(ms, zone));
  return {
    year: at.getUTCFullYear(),
    month: at.getUTCMonth() + 1,
    day: at.getUTCDate(),
    hour: at.getUTCHours(),
    minute: at.getUTCMinutes(),
    second: at.getUTCSeconds(),
    weekday: at.getUTCDay(),
  };
}

/** How far the zone's wall clock is ahead of UTC at an instant. */
function offsetMs(ms: number, zone: string): number {
  if (zone === 'UTC' || zone === '') return 0;
  let format = formatters.get(zone);
  if (!format) {
    format = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: 'numeric', day: 'numeric', hour: 'numeric', minute: 'numeric', second: 'numeric' });
    formatters.set(zone, format);
  }
  const parts: Record<string, number> = {};
  for (const part of format.formatToParts(new Date(ms))) if (part.type !== 'literal') parts[part.type] = Number(part.value);
  const wall = Date.UTC(parts.year, parts.month - 1, parts.day, parts.hour, parts.minute, parts.second);
  return wall - Math.floor(ms / 1000) * 1000;
}

/** time.Date in a zone: fields out of range carry over; a wall time a transition skips or repeats gets Go's choice of offset. */
function zonedDate(zone: string, year: number, month: number, day: number, hour: number, minute: number, second: number): number {
  const wall = Date.UTC(year, month - 1, day, hour, minute, second);
  let offset = offsetMs(wall, zone);
  const utc = wall - offset;
  const there = offsetMs(utc, zone);
  if (there !== offset) offset = there;
  return wall - offset;
}

/** time.LoadLocation's error for a zone name, or undefined when the zone exists. */
export function timeZoneError(zone: string): string | undefined {
  if (zone === '' || zone === 'UTC' || zone === 'Local') return undefined;
  try {
    const resolved = new Intl.DateTimeFormat('en-US', { timeZone: zone }).resolvedOptions().timeZone;
    // Zone files are looked up by exact name; the ICU database matches names case-insensitively.
    if (resolved.toLowerCase() === zone.toLowerCase() && resolved !== zone) return `unknown time zone ${zone}`;
    return undefined;
  } catch {
    return `unknown time zone ${zone}`;
  }
}
