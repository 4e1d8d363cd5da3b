// Completion indexes of Indexed Jobs as pkg/controller/job keeps them: ordered intervals written
// `1,3-5,7`, parsed leniently and bounded by completions.

export class Intervals {
  constructor(readonly list: Array<[first: number, last: number]> = []) {}

  /** parseIndexesFromString: bad parts are skipped, indexes at or past completions dropped. */
  static parse(text: string | undefined, completions: number): Intervals {
    const out: Array<[number, number]> = [];
    if (!text) return new Intervals(out);
    for (const part of text.split(',')) {
      const limits = part.split('-');
      if (!/^[+-]?\d+$/.test(limits[0])) continue;
      const first = Number(limits[0]);
      if (first >= completions) break;
      let last = first;
      if (limits.length > 1) {
        if (!/^[+-]?\d+$/.test(limits[1])) continue;
        last = Math.min(Number(limits[1]), completions - 1);
      }
      const previous = out[out.length - 1];
      if (previous && previous[1] === first - 1) previous[1] = last;
      else out.push([first, last]);
    }
    return new Intervals(out);
  }

  /** The union with other intervals, both ordered. */
  merge(other: Intervals): Intervals {
    const out: Array<[number, number]> = [];
    const add = ([first, last]: [number, number]) => {
      const previous = out[out.length - 1];
      if (!previous || first > previous[1] + 1) out.push([first, last]);
      else if (previous[1] < last) previous[1] = last;
    };
    let i = 0;
    let j = 0;
    while (i < this.list.length && j < other.list.length) {
      if (this.list[i][0] < other.list[j][0]) add(this.list[i++]);
      else add(other.list[j++]);
    }
    while (i < this.list.length) add(this.list[i++]);
    while (j < other.list.length) add(other.list[j++]);
    return new Intervals(out);
  }

  /** With single indexes added; `indexes` ordered. */
  with(indexes: number[]): Intervals {
    return this.merge(new Intervals(indexes.map((ix) => [ix, ix])));
  }

  total(): number {
    return this.list.reduce((sum, [first, last]) => sum + last - first + 1, 0);
  }

  has(ix: number): boolean {
    return this.list.some(([first, last]) => first <= ix && ix <= last);
  }

  /** Two neighbours are written `3,4`, longer runs `3-5`. */
  toString(): string {
    return this.list.map(([first, last]) => (last === first ? `${first}` : last === first + 1 ? `${first},${last}` : `${first}-${last}`)).join(',');
  }
}

/** The indexes a successPolicy rule's succeededIndexes and succeededCount ask for are there (matchSucceededIndexesRule). */
export function matchesSucceededIndexes(rule: Intervals, succeeded: Intervals, succeededCount: number | undefined): boolean {
  let contains = 0;
  let r = 0;
  let s = 0;
  while (r < rule.list.length && s < succeeded.list.length) {
    const overlap = Math.min(rule.list[r][1], succeeded.list[s][1]) - Math.max(rule.list[r][0], succeeded.list[s][0]) + 1;
    if (overlap > 0) contains += overlap;
    if (succeeded.list[s][1] < rule.list[r][1]) s++;
    else if (succeeded.list[s][1] > rule.list[r][1]) r++;
    else {
      s++;
      r++;
    }
  }
  return contains === rule.total() || (succeededCount !== undefined && contains >= succeededCount);
}
