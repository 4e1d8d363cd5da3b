import { expect } from 'chai';
import { decodeJsonText, hasRepeatedKeys, JsonSyntaxError } from '../../server/json-decode.js';

describe('JSON bodies decoded as kube-apiserver decodes them', () => {
  const repeats = (text: string) => hasRepeatedKeys(text, JSON.parse(text));

  it('words syntax errors as encoding/json does', () => {
    // Each message is what Go's json.Unmarshal answers for the input.
    const cases: Array<[string, string]> = [
    ["{bad", "invalid character 'b' looking for beginning of object key string"],
    ["not json", "invalid character 'o' in literal null (expecting 'u')"],
    ["{\"a\":1,}", "invalid character '}' looking for beginning of object key string"],
    ["[1,2", "unexpected end of JSON input"],
    ["{\"a\" 1}", "invalid character '1' after object key"],
    ["{\"a\":1 \"b\":2}", "invalid character '\"' after object key:value pair"],
    ["[1 2]", "invalid character '2' after array element"],
    ["tru", "invalid character ' ' in literal true (expecting 'e')"],
    ["nul", "invalid character ' ' in literal null (expecting 'l')"],
    ["fals", "invalid character ' ' in literal false (expecting 'e')"],
    ["-", "invalid character ' ' in numeric literal"],
    ["01", "invalid character '1' after top-level value"],
    ["1.", "invalid character ' ' after decimal point in numeric literal"],
    ["1e", "invalid character ' ' in exponent of numeric literal"],
    ["1ex", "invalid character 'x' in exponent of numeric literal"],
    ["\"abc", "unexpected end of JSON input"],
    ["\"a\\qb\"", "invalid character 'q' in string escape code"],
    ["\"\\u12G4\"", "invalid character 'G' in \\u hexadecimal character escape"],
    ["{\"a\":\"x\ty\"}", "invalid character '\\t' in string literal"],
    ["{}x", "invalid character 'x' after top-level value"],
    ["  ", "unexpected end of JSON input"],
    ["{\"a\":[1,{\"b\":nul}]}", "invalid character '}' in literal null (expecting 'l')"],
    ["[1,]", "invalid character ']' looking for beginning of value"],
    ["{,}", "invalid character ',' looking for beginning of object key string"],
    ["{\"a\":1}}", "invalid character '}' after top-level value"],
    ["\"\u00e9\"x", "invalid character 'x' after top-level value"],
    ["{\"a\":\u00e9}", "invalid character '\u00c3' looking for beginning of value"],
    ["'x'", "invalid character '\\'' looking for beginning of value"],
    ["\u0080", "invalid character '\u00c2' looking for beginning of value"],
    ["{\"a\":\u00a0}", "invalid character '\u00c2' looking for beginning of value"],
    ["{\"a\":\u00ad}", "invalid character '\u00c2' looking for beginning of value"],
    ["{\"a\":\u4e16}", "invalid character '\u00e4' looking for beginning of value"],
    ["[1,\"\\u12\"]", "invalid character '\"' in \\u hexadecimal character escape"],
    ["{\"a\":1,\"a\"}", "invalid character '}' after object key"],
    ["-1.5e+", "invalid character ' ' in exponent of numeric literal"],
    ];
    for (const [input, message] of cases) {
      expect(() => decodeJsonText(input), JSON.stringify(input)).to.throw(JsonSyntaxError, message);
    }
  });

  it('reports repeated fields at any depth in document order, each once, and merges repeated objects', () => {
    const text = '{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"dup1","name":"dup1","labels":{"a":"1","a":"2"}},"data":{"k":"v","k":"w"},"data":{"z":"1"},"foo":1,"foo":2,"items":[{"x":1,"x":2},{"x":1}]}';
    const decoded = decodeJsonText(text);
    // kube-apiserver 1.32.13 reports these four for the ConfigMap part and keeps data {k: w, z: 1}, labels {a: 2}.
    expect(decoded.duplicates).to.deep.equal(['metadata.name', 'metadata.labels.a', 'data.k', 'data', 'foo', 'items[0].x']);
    expect(decoded.value).to.deep.include({ data: { k: 'w', z: '1' }, foo: 2 });
    expect((decoded.value as any).metadata.labels).to.deep.equal({ a: '2' });
    expect(decoded.positions!.first.get('data')).to.equal(text.indexOf('"data"'));
    expect(decodeJsonText('{"a":{"b":1},"a":{"c":2}}', false).value).to.deep.equal({ a: { c: 2 } });
    expect(decodeJsonText('{"a":[1],"a":[2]}').value).to.deep.equal({ a: [2] });
  });

  it('finds repeated keys by their decoded text, whatever the escapes and strings around them', () => {
    expect(repeats('{"a":1,"b":{"a":2},"c":["a","a"]}')).to.equal(false);
    expect(repeats('{"a\\"":1,"a\\"":2}')).to.equal(true);
    expect(repeats('{"\\u0061":1,"a":2}')).to.equal(true);
    expect(repeats('{"x":"\\\\","y":{"k":1},"k":2}')).to.equal(false);
    expect(repeats('[{"k":1},{"k":1}]')).to.equal(false);
    expect(repeats('{"k":{},"k":[]}')).to.equal(true);
  });

  it('agrees with the full decoder on random documents', () => {
    let seed = 7;
    const random = () => (seed = (seed * 1103515245 + 12345) % 2147483648) / 2147483648;
    const keys = ['a', 'b', 'c', 'a"', '\\'];
    const build = (depth: number): string => {
      const r = random();
      if (depth > 3 || r < 0.3) return JSON.stringify(keys[Math.floor(random() * keys.length)]);
      if (r < 0.5) return `[${Array.from({ length: Math.floor(random() * 3) }, () => build(depth + 1)).join(',')}]`;
      const fields = Array.from({ length: Math.floor(random() * 4) }, () => `${JSON.stringify(keys[Math.floor(random() * keys.length)])}:${build(depth + 1)}`);
      return `{${fields.join(',')}}`;
    };
    for (let n = 0; n < 500; n++) {
      const text = build(0);
      expect(repeats(text), text).to.equal(decodeJsonText(text).duplicates.length > 0);
    }
  });
});
