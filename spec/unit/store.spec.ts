import { expect } from 'chai';
import { HistoryCompactedError, MemoryStore, type StoreEvent } from '../../server/store/memory-store.js';
import { SerializationReferences } from '../../server/store/shared-serialization.js';

const object = (name: string, data: Record<string, string> = {}) => ({ kind: 'ConfigMap', apiVersion: 'v1', metadata: { name, namespace: 'ns' }, data });

describe('MemoryStore', () => {
  it('gives every commit the next global resourceVersion and serializes it once', () => {
    const store = new MemoryStore({ historySize: 10, historyBytes: 1 << 20 });
    const a = store.commit('configmaps', 'ns/a', object('a'));
    const b = store.commit('secrets', 'ns/b', object('b'));
    expect([a.resourceVersion, b.resourceVersion]).to.deep.equal([1, 2]);
    expect(JSON.parse(a.json).metadata.resourceVersion).to.equal('1');
    expect(a.itemJson).to.equal(`{${a.json.slice(a.json.indexOf('"metadata"'))}`);
    expect(store.currentRevision).to.equal(2);
  });

  it('lists in key order and reconstructs older states from the history', () => {
    const store = new MemoryStore({ historySize: 10, historyBytes: 1 << 20 });
    store.commit('configmaps', 'ns/b', object('b'));
    const atOne = store.currentRevision;
    store.commit('configmaps', 'ns/a', object('a'));
    store.commit('configmaps', 'ns/b', object('b', { v: '2' }));
    store.commit('configmaps', 'ns/a', null);
    expect(store.list('configmaps').map((s) => s.key)).to.deep.equal(['ns/b']);
    const then = store.listAt('configmaps', atOne);
    expect(then.map((s) => [s.key, s.object.data])).to.deep.equal([['ns/b', {}]]);
    expect(store.listAt('configmaps', 2).map((s) => s.key)).to.deep.equal(['ns/a', 'ns/b']);
  });

  it('stamps a DELETED event with the deletion resourceVersion and the last state', () => {
    const store = new MemoryStore({ historySize: 10, historyBytes: 1 << 20 });
    const events: StoreEvent[] = [];
    store.subscribe((e) => events.push(e));
    store.commit('configmaps', 'ns/a', object('a', { keep: 'me' }));
    store.commit('configmaps', 'ns/a', null);
    expect(events.map((e) => e.type)).to.deep.equal(['ADDED', 'DELETED']);
    expect(events[1].object.object.data).to.deep.equal({ keep: 'me' });
    expect(events[1].object.object.metadata.resourceVersion).to.equal('2');
    expect(events[1].previous?.resourceVersion).to.equal(1);
  });

  it('keeps at most historySize events and refuses to serve from before them', () => {
    const store = new MemoryStore({ historySize: 3, historyBytes: 1 << 20 });
    for (let i = 0; i < 5; i++) store.commit('configmaps', `ns/${i}`, object(String(i)));
    expect(store.compactedRevision).to.equal(2);
    expect(store.eventsSince(2).map((e) => e.resourceVersion)).to.deep.equal([3, 4, 5]);
    expect(() => store.eventsSince(1)).to.throw(HistoryCompactedError);
    expect(() => store.listAt('configmaps', 1)).to.throw(HistoryCompactedError);
  });

  it('keeps the history within its byte budget', () => {
    const store = new MemoryStore({ historySize: 1000, historyBytes: 4096 });
    const big = 'x'.repeat(1500);
    for (let i = 0; i < 10; i++) store.commit('configmaps', 'ns/big', object('big', { big, i: String(i) }));
    const kept = store.eventsSince(store.compactedRevision);
    expect(kept.length).to.be.within(1, 2);
    expect(kept.reduce((sum, e) => sum + e.object.json.length, 0)).to.be.at.most(4096);
    expect(kept[kept.length - 1].resourceVersion).to.equal(10);
  });

  it('clears to a fresh state while resourceVersions keep counting up', () => {
    const store = new MemoryStore({ historySize: 10, historyBytes: 1 << 20 });
    store.commit('configmaps', 'ns/a', object('a'));
    store.clear();
    expect(store.list('configmaps')).to.deep.equal([]);
    // The clearing takes a resourceVersion, so a watch from the last one before it is too old.
    expect(store.commit('configmaps', 'ns/a', object('a')).resourceVersion).to.equal(3);
    expect(() => store.eventsSince(1)).to.throw(HistoryCompactedError);
    expect(store.eventsSince(2).map((e) => e.resourceVersion)).to.deep.equal([3]);
  });

  it('keeps only the serialization of objects nothing reads, and parses them again when read', () => {
    const store = new MemoryStore({ historySize: 10, historyBytes: 1 << 20 });
    const cold = store.commit('configmaps', 'ns/cold', object('cold', { k: 'v' }));
    const hot = store.commit('configmaps', 'ns/hot', object('hot'));
    const coldParsed = cold.object;
    const hotParsed = hot.object;
    // Two sweeps' worth of other writes, the hot object read between them.
    for (let i = 0; i < 4096; i++) store.commit('configmaps', 'ns/churn', object('churn', { i: String(i) }));
    expect(hot.object).to.equal(hotParsed);
    for (let i = 0; i < 4096; i++) store.commit('configmaps', 'ns/churn', object('churn', { i: String(i) }));
    expect(hot.object).to.equal(hotParsed);
    expect(cold.object).to.not.equal(coldParsed);
    expect(cold.object).to.deep.equal(coldParsed);
    expect([cold.namespace, cold.name, store.get('configmaps', 'ns/cold')]).to.deep.equal(['ns', 'cold', cold]);
  });

  it('gives back the exact serialization of cold objects held against a similar one', () => {
    const store = new MemoryStore({ historySize: 10, historyBytes: 1 << 20 });
    const data = (i: number) => ({ quoted: `say "${i}"\\`, text: `zürich ☃ ${i}`, same: 'x'.repeat(200) });
    const cold = Array.from({ length: 20 }, (_, i) => store.commit('configmaps', `ns/c${i}`, object(`c${i}`, data(i))));
    const other = store.commit('secrets', 'ns/s', object('s', { only: 'one' }));
    const committed = [...cold, other].map((s) => s.json);
    for (let i = 0; i < 3 * 4096; i++) store.commit('configmaps', 'ns/churn', object('churn', { i: String(i) }));
    expect([...cold, other].map((s) => s.json)).to.deep.equal(committed);
    expect(store.list('configmaps').find((s) => s.key === 'ns/c7')!.object.data).to.deep.equal(data(7));
  });
});

describe('SerializationReferences', () => {
  const pod = (name: string, ip: string, extra = '') =>
    JSON.stringify({ kind: 'Pod', metadata: { name, labels: { app: 'web' } }, spec: { containers: [{ name: 'app', image: 'nginx' }] }, status: { podIP: ip, note: extra } });

  it('holds an object of the same shape as its differing tokens and rebuilds it byte for byte', () => {
    const references = new SerializationReferences();
    expect(references.share('pods', pod('web-1', '10.0.0.1'))).to.equal(undefined);
    const shared = references.share('pods', pod('web-22', '10.0.0.22'));
    expect(shared?.text()).to.equal(pod('web-22', '10.0.0.22'));
    // Another resource has references of its own.
    expect(references.share('events', pod('web-3', '10.0.0.3'))).to.equal(undefined);
  });

  it('rebuilds own tokens that repeat earlier ones, as the times of one write do', () => {
    const references = new SerializationReferences();
    const stamped = (name: string, at: string, short: string) =>
      JSON.stringify({ kind: 'Pod', metadata: { name, creationTimestamp: at, labels: { a: short, b: short } }, status: { conditions: [1, 2, 3].map((n) => ({ type: `T${n}`, lastTransitionTime: at })), startTime: at, note: 'x'.repeat(400) } });
    references.share('pods', stamped('web-1', '2026-12-02T18:00:00Z', 'p'));
    for (const [name, at, short] of [['web-2', '2026-12-02T18:00:01Z', 'q'], ['web-3', 'web-3', 'web-3'], ['web-4', '2026-12-02T18:00:02Z', '\u0001']]) {
      const shared = references.share('pods', stamped(name, at, short));
      expect(shared?.text()).to.equal(stamped(name, at, short));
    }
  });

  it('rebuilds repeats of own tokens however many own tokens come before them', () => {
    const references = new SerializationReferences();
    // Each object's own tokens: 300 names, each said twice, so repeats point past every position a mark can name.
    const many = (prefix: string) => JSON.stringify({ kind: 'Node', items: Array.from({ length: 300 }, (_, i) => ({ a: `${prefix}-${i}`, b: `${prefix}-${i}` })), note: 'x'.repeat(30_000) });
    references.share('nodes', many('first'));
    const shared = references.share('nodes', many('second'));
    expect(shared, 'held against the first').to.not.equal(undefined);
    expect(shared!.text()).to.equal(many('second'));
  });

  it('rebuilds objects whose differing tokens lie hundreds of tokens apart', () => {
    const references = new SerializationReferences();
    // Between the name and the uid, 700 tokens alike (gaps past what one code unit says), then 300 that all differ.
    const wide = (prefix: string) =>
      JSON.stringify({ kind: 'Pod', metadata: { name: `${prefix}-name`, labels: Object.fromEntries(Array.from({ length: 175 }, (_, i) => [`k${i}`, `v${i}`])), uid: `${prefix}-uid` }, items: Array.from({ length: 300 }, (_, i) => `${prefix}-${i}`), note: 'x'.repeat(20_000) });
    references.share('pods', wide('first'));
    for (const prefix of ['second', 'third']) {
      const shared = references.share('pods', wide(prefix));
      expect(shared, `${prefix} held against the first`).to.not.equal(undefined);
      expect(shared!.text()).to.equal(wide(prefix));
    }
  });

  it('rebuilds objects that differ from the reference in other tokens than the objects before them', () => {
    const references = new SerializationReferences();
    const labelled = (name: string, labels: string[]) =>
      JSON.stringify({ kind: 'Pod', metadata: { name, labels: Object.fromEntries(labels.map((v, i) => [`l${i}`, v])) }, note: 'x'.repeat(400) });
    const base = Array.from({ length: 12 }, (_, i) => `v${i}`);
    references.share('pods', labelled('web-1', base));
    const variants = [
      labelled('web-2', base),
      labelled('web-3', base.map((v, i) => (i === 5 ? 'changed' : v))),
      labelled('web-1', base),
      labelled('web-4', base.map((v, i) => (i === 0 || i === 11 ? `${v}-other` : v))),
      labelled('web-5', base.map((v, i) => (i % 3 === 0 ? `${v}+` : v))),
    ];
    for (const json of variants) expect(references.share('pods', json)?.text()).to.equal(json);
  });

  it('rebuilds objects of several shapes that come interleaved, each held against its own', () => {
    const references = new SerializationReferences();
    // A reason's events have a number of quoted words of their own: as many tokens as each other, not as other reasons'.
    const reasons = ['Pulling', 'Pulled', 'Created', 'Started', 'Killing'];
    const event = (k: number, i: number, note = '', reason = reasons[k], source: Record<string, string> = {}) =>
      JSON.stringify({ kind: 'Event', metadata: { name: `web-${i}.${k}`, uid: `u-${i}` }, reason, words: reasons.slice(0, k + 1), message: `${note}`, source: { host: `node-${i % 3}`, ...source }, pad: 'x'.repeat(300) });
    for (let k = 0; k < reasons.length; k++) expect(references.share('events', event(k, 0))).to.equal(undefined);
    for (let i = 1; i < 12; i++) {
      for (let n = 0; n < reasons.length; n++) {
        const json = event(i % 2 ? n : reasons.length - 1 - n, i);
        const shared = references.share('events', json);
        expect(shared, json).to.not.equal(undefined);
        expect(shared!.text()).to.equal(json);
      }
    }
    // A token none of its shape's objects differed in, as long as the reference's; more text after the last one that did.
    for (const json of [event(0, 20, '', 'Pushing'), event(3, 21, '', undefined, { component: 'kubelet' }), event(3, 22, '', undefined, { component: 'kubelet' })]) {
      expect(references.share('events', json)?.text() ?? json).to.equal(json);
    }
    // One that differs too much becomes its shape's reference; later ones are held against it.
    expect(references.share('events', event(1, 1, 'y'.repeat(200)))).to.equal(undefined);
    expect(references.share('events', event(1, 2, 'y'.repeat(200)))?.text()).to.equal(event(1, 2, 'y'.repeat(200)));
    expect(references.share('events', event(2, 13))?.text()).to.equal(event(2, 13));
  });

  it('rebuilds own tokens kept as the middle they do not share with the reference token', () => {
    const references = new SerializationReferences();
    const event = (name: string, at: string, message: string) =>
      JSON.stringify({ kind: 'Event', metadata: { name, creationTimestamp: at }, message, firstTimestamp: at, lastTimestamp: at, note: 'x'.repeat(600) });
    references.share('events', event('web-0.abc', '2026-12-02T18:00:00Z', 'Successfully assigned default/web-0 to node-40'));
    for (const json of [
      event('web-1.abc', '2026-12-02T18:00:01Z', 'Successfully assigned default/web-1 to node-41'),
      event('web-0.abd', '2026-12-02T18:00:00Z', 'Successfully assigned default/web-0 to node-40 again'),
      event('web-0.abc', '2026-12-02T18:00:00.5Z', 'Successfully'),
      event('w', '2026', 'assigned default/web-0 to node-40'),
    ]) {
      expect(references.share('events', json)?.text()).to.equal(json);
    }
  });

  it('rebuilds byte for byte whatever tokens objects of one shape differ in (randomized)', () => {
    let seed = 20261204;
    const random = (n: number) => {
      seed = (seed * 1103515245 + 12345) & 0x7fffffff;
      return seed % n;
    };
    const alphabet = ['a', 'b', '0', '1', '-', ':', ' ', '\\', 'é', '\u0001', '\u0002', 'Z'];
    const word = (base: string) => {
      // Mostly the base with a few characters changed, added or cut at either end or in the middle.
      let text = base;
      for (let edits = random(4); edits > 0; edits--) {
        const at = random(text.length + 1);
        const cut = random(3);
        text = text.slice(0, at) + Array.from({ length: random(4) }, () => alphabet[random(alphabet.length)]).join('') + text.slice(at + cut);
      }
      return text;
    };
    const bases = ['web-0.18ee248f94b1a540', '2026-12-02T18:00:00Z', 'Successfully assigned default/web-0 to node-40', 'ab', ''];
    const object = (values: string[]) => JSON.stringify({ kind: 'Event', values: values.map((v, i) => ({ [`k${i}`]: v, again: values[(i + 1) % values.length] })), note: 'x'.repeat(2000) });
    const references = new SerializationReferences();
    references.share('events', object([...bases, ...bases]));
    let held = 0;
    for (let n = 0; n < 2000; n++) {
      const json = object([...bases, ...bases].map((base) => (random(3) ? base : word(base))));
      const shared = references.share('events', json);
      if (shared) held++;
      expect(shared?.text() ?? json).to.equal(json);
    }
    expect(held, 'objects held against the reference').to.be.greaterThan(1500);
  });

  it('keeps whole what differs too much from the reference, and holds later objects against it', () => {
    const references = new SerializationReferences();
    const long = (i: number) => pod(`web-${i}`, '10.0.0.1', 'y'.repeat(300));
    references.share('pods', pod('web-1', '10.0.0.1', 'short'));
    expect(references.share('pods', long(2))).to.equal(undefined);
    expect(references.share('pods', long(3))?.text()).to.equal(long(3));
  });
});

