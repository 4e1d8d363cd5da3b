// The string formats a CRD schema may name and kube-apiserver checks (apiextensions' supportedFormats,
// as go-openapi's strfmt defines them). Any other format is ignored, as kube-apiserver strips it.

import { isIP } from 'node:net';

const uuidPattern = (version: string) => new RegExp(`^[0-9a-f]{8}-?[0-9a-f]{4}-?${version}[0-9a-f]{3}-?${version === '[0-9a-f]' ? '[0-9a-f]' : '[89ab]'}[0-9a-f]{3}-?[0-9a-f]{12}$`, 'i');

function isCidr(value: string): boolean {
  const [ip, bits, extra] = value.split('/');
  if (extra !== undefined || bits === undefined || !/^\d{1,3}$/.test(bits)) return false;
  const family = isIP(ip);
  return family !== 0 && Number(bits) <= (family === 4 ? 32 : 128);
}

/** Go's net/url.ParseRequestURI: an absolute URI, or an absolute path. */
function isRequestUri(value: string): boolean {
  if (value.startsWith('/')) return !/\s/.test(value);
  try {
    const url = new URL(value);
    return /^[a-zA-Z][a-zA-Z0-9+.-]*:/.test(value) && !!url.protocol;
  } catch {
    return false;
  }
}

const durationUnit = '(ns|us|µs|ms|s|m|h|d|w)';
const goDuration = new RegExp(`^[-+]?(\\d+(\\.\\d*)?|\\.\\d+)${durationUnit}((\\d+(\\.\\d*)?|\\.\\d+)${durationUnit})*$`);
const scalaDuration = /^\d+\s*(ns|nanos?|nanoseconds?|us|micros?|microseconds?|ms|millis?|milliseconds?|s|secs?|seconds?|m|mins?|minutes?|h|hrs?|hours?|d|days?|w|wks?|weeks?)$/;

function isDate(value: string): boolean {
  const m = /^(\d{4})-(\d{2})-(\d{2})$/.exec(value);
  if (!m) return false;
  const d = new Date(Date.UTC(Number(m[1]), Number(m[2]) - 1, Number(m[3])));
  return d.getUTCMonth() === Number(m[2]) - 1 && d.getUTCDate() === Number(m[3]);
}

const dateTime = /^\d{4}-\d{2}-\d{2}[Tt ]\d{2}:\d{2}(:\d{2}(\.\d+)?)?([Zz]|[+-]\d{2}:?\d{2})?$/;

function isIsbn10(value: string): boolean {
  const digits = value.replace(/[- ]/g, '');
  if (!/^\d{9}[\dX]$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 10; i++) sum += (10 - i) * (digits[i] === 'X' ? 10 : Number(digits[i]));
  return sum % 11 === 0;
}

function isIsbn13(value: string): boolean {
  const digits = value.replace(/[- ]/g, '');
  if (!/^\d{13}$/.test(digits)) return false;
  let sum = 0;
  for (let i = 0; i < 13; i++) sum += (i % 2 ? 3 : 1) * Number(digits[i]);
  return sum % 10 === 0;
}

const hostnameLabel = /^[a-zA-Z0-9]([a-zA-Z0-9-]{0,61}[a-zA-Z0-9])?$/;

export const formatCheckers: Record<string, (value: string) => boolean> = {
  bsonobjectid: (v) => /^[0-9a-fA-F]{24}$/.test(v),
  uri: isRequestUri,
  email: (v) => /^[^\s@<>]+@[^\s@<>]+$/.test(v) || /^[^<>]*<[^\s@<>]+@[^\s@<>]+>$/.test(v),
  hostname: (v) => v.length <= 255 && v.split('.').every((label) => hostnameLabel.test(label)),
  ipv4: (v) => isIP(v) === 4,
  ipv6: (v) => isIP(v) === 6,
  cidr: isCidr,
  mac: (v) => /^([0-9a-fA-F]{2}([:-])){5}[0-9a-fA-F]{2}$/.test(v) || /^([0-9a-fA-F]{4}\.){2}[0-9a-fA-F]{4}$/.test(v),
  uuid: (v) => uuidPattern('[0-9a-f]').test(v),
  uuid3: (v) => uuidPattern('3').test(v),
  uuid4: (v) => uuidPattern('4').test(v),
  uuid5: (v) => uuidPattern('5').test(v),
  isbn: (v) => isIsbn10(v) || isIsbn13(v),
  isbn10: isIsbn10,
  isbn13: isIsbn13,
  creditcard: (v) => /^(?:4[0-9]{12}(?:[0-9]{3})?|5[1-5][0-9]{14}|6(?:011|5[0-9][0-9])[0-9]{12}|3[47][0-9]{13}|3(?:0[0-5]|[68][0-9])[0-9]{11}|(?:2131|1800|35\d{3})\d{11})$/.test(v.replace(/\D/g, '')),
  ssn: (v) => /^\d{3}[- ]?\d{2}[- ]?\d{4}$/.test(v),
  hexcolor: (v) => /^#?([0-9a-fA-F]{3}|[0-9a-fA-F]{6})$/.test(v),
  rgbcolor: (v) => /^rgb\(\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*,\s*(0|[1-9]\d?|1\d\d?|2[0-4]\d|25[0-5])\s*\)$/.test(v),
  byte: (v) => /^([A-Za-z0-9+/]{4})*([A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(v),
  password: () => true,
  date: isDate,
  duration: (v) => goDuration.test(v) || scalaDuration.test(v),
  datetime: (v) => dateTime.test(v),
};

/** The format kube-apiserver checks for a schema's format, if any ("date-time" is "datetime"). */
export function supportedFormat(format: string | undefined): string | undefined {
  if (!format) return undefined;
  const normalized = format.replaceAll('-', '');
  return Object.hasOwn(formatCheckers, normalized) ? normalized : undefined;
}
