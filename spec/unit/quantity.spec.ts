import { expect } from 'chai';
import { Quantity, QuantityError } from '../../server/quantity.js';

// Every expected string was answered by kube-apiserver 1.32.13 for that input
// (spec/differential/corpus/quantities.yaml records more in context).
describe('Quantity', () => {
  it('writes a resource list value as kube-apiserver does: rounded up to milli-units, then canonical', () => {
    // ResourceQuota spec.hard[requests.cpu] on the reference cluster; inputs are trimmed as JSON decoding trims them.
    const table: Array<[string, string]> = [
      ["001", "001"],
      ["+1", "+1"],
      ["1E3", "1E3"],
      ["1e3", "1e3"],
      ["1.0", "1"],
      ["0.5", "500m"],
      ["1000m", "1"],
      ["1024Mi", "1Gi"],
      ["1073741824", "1073741824"],
      ["1.5Gi", "1536Mi"],
      ["100e-3", "100e-3"],
      ["1000E", "1"],
      ["0.0000000001", "1m"],
      ["1n", "1m"],
      ["1e-10", "1e-3"],
      ["0", "0"],
      ["0.000", "0"],
      ["1Ki", "1Ki"],
      ["1024", "1024"],
      ["1023Ki", "1023Ki"],
      ["0.5Ki", "512"],
      ["1e2", "100"],
      ["12e1", "120"],
      ["1.5e2", "150"],
      ["5e-1", "500e-3"],
      ["2048Ki", "2Mi"],
      ["1000000k", "1G"],
      ["1000k", "1M"],
      ["1100k", "1100k"],
      ["9223372036854775807", "9223372036854775807"],
      ["9223372036854775808", "9223372036854775808"],
      ["18446744073709551616Ki", "9223372036854775807"],
      ["0.1m", "1m"],
      ["123456789012345678901234567890", "123456789012345678901234567890"],
      ["1.23456789", "1235m"],
      ["1 ", "1"],
      [".5", "500m"],
      ["5.", "5."],
      ["1e+3", "1e+3"],
      ["1e-3", "1e-3"],
      ["10Pi", "10Pi"],
      ["1E", "1E"],
      ["1P", "1P"],
      ["1234567890123456789", "1234567890123456789"],
      ["12345678901234567890m", "12345678901234567890m"],
      ["100m", "100m"],
      ["1500m", "1500m"],
      ["0.001", "1m"],
      ["1u", "1m"],
      ["999n", "1m"],
      ["1000n", "1m"],
      ["1000000n", "1m"],
      ["0.25", "250m"],
      ["250m", "250m"],
      ["2.5", "2500m"],
      ["3.14159", "3142m"],
      ["1.1Gi", "1181116006400m"],
      ["1.5", "1500m"],
      ["0.1Ki", "102400m"],
      ["1023", "1023"],
      ["1025", "1025"],
      ["2048", "2048"],
      ["1M", "1M"],
      ["1000Mi", "1000Mi"],
      ["1048576Ki", "1Gi"],
      ["0.5Mi", "512Ki"],
      ["1e6", "1e6"],
      ["1e9", "1e9"],
      ["1e12", "1e12"],
      ["1e18", "1e18"],
      ["1e21", "1e21"],
      ["1e-9", "1e-3"],
      ["1e-7", "1e-3"],
      ["7e-9", "1e-3"],
      ["1.5e-9", "1e-3"],
      ["1000u", "1m"],
      ["1000000u", "1"],
      ["123m", "123m"],
      ["1230m", "1230m"],
      ["12300m", "12300m"],
      ["1234567m", "1234567m"],
      ["4294967296", "4294967296"],
      ["1099511627776", "1099511627776"],
      ["0.000001", "1m"],
      ["00.5", "500m"],
      ["1.50", "1500m"],
      ["10e-1", "1"],
    ];
    for (const [input, expected] of table) expect(Quantity.parse(input.trim()).roundUp(-3).toString(), input).to.equal(expected);
  });

  it('writes a single quantity canonically, keeping a string already canonical as written', () => {
    // Pod spec.volumes[0].emptyDir.sizeLimit on the reference cluster.
    const table: Array<[string, string]> = [
      ["1n", "1n"],
      ["0.5", "500m"],
      ["1.1Gi", "1181116006400m"],
      ["1e-10", "1e-9"],
      ["0.0000000001", "1n"],
      ["1000m", "1"],
      ["1024Mi", "1Gi"],
      ["1.5e-9", "2e-9"],
      ["3.14159", "3141590u"],
      ["001", "001"],
      ["100e-3", "100e-3"],
      ["5e-1", "500e-3"],
      ["1u", "1u"],
      ["0.5Ki", "512"],
      ["1000E", "1"],
    ];
    for (const [input, expected] of table) expect(Quantity.parse(input).toString(), input).to.equal(expected);
  });

  it('refuses what is not a quantity with apimachinery\'s messages', () => {
    const table: Array<[string, string]> = [
      ["1ki", "unable to parse quantity's suffix"],
      ["abc", "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
      ["1e", "unable to parse quantity's suffix"],
      ["1m+", "unable to parse quantity's suffix"],
      ['', "quantities must match the regular expression '^([+-]?[0-9.]+)([eEinumkKMGTP]*[-+]?[0-9]*)$'"],
    ];
    for (const [input, message] of table) expect(() => Quantity.parse(input), input).to.throw(QuantityError, message);
    for (const [input] of table) expect(Quantity.tryParse(input), input).to.equal(undefined);
    expect(Quantity.tryParse(1.5)?.toString()).to.equal('1500m');
  });

  it('compares and adds exactly across formats', () => {
    const q = (s: string) => Quantity.parse(s);
    expect(q('1Gi').cmp(q('1073741824'))).to.equal(0);
    expect(q('1000m').cmp(q('1'))).to.equal(0);
    expect(q('999m').cmp(q('1'))).to.equal(-1);
    expect(q('1Ki').cmp(q('1k'))).to.equal(1);
    expect(q('1.5Gi').add(q('512Mi')).toString()).to.equal('2Gi');
    expect(q('100m').add(q('900m')).toString()).to.equal('1');
    expect(q('0').add(q('1Ki')).toString()).to.equal('1Ki');
    expect(q('1').sub(q('250m')).toString()).to.equal('750m');
    expect(q('1Gi').sub(q('2Gi')).toString()).to.equal('-1Gi');
    expect([q('-1').sign(), q('0').sign(), q('1n').sign()]).to.deep.equal([-1, 0, 1]);
    expect([q('1.5').isInteger(), q('2000m').isInteger(), q('1Ki').isInteger()]).to.deep.equal([false, true, true]);
  });
});
