// Generated names: generateName prefix plus five characters of the apimachinery rand alphabet.

import { randomInt } from 'node:crypto';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';
const maxPrefixLength = 58;

export function randomSuffix(length = 5): string {
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[randomInt(alphabet.length)];
  return out;
}

export function generateName(prefix: string): string {
  return prefix.slice(0, maxPrefixLength) + randomSuffix();
}
