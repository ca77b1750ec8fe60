import { Ajv } from 'ajv';
import { Ajv2020 } from 'ajv/dist/2020.js';
import { describe, expect, it } from 'vitest';
import { generateConversionData } from './conversion-data.ts';
import { type Dataset, rowToInstance } from './features.ts';
import { type DemoModelEntry, findModel, loadManifest } from './manifest.ts';
import { generateRecsData } from './recs-data.ts';

const manifest = loadManifest();

function entry(model: 'recs' | 'conversion', version: string): DemoModelEntry {
  const found = findModel(manifest, model, version);
  if (!found?.inputSchema || !found.featureOrder) throw new Error(`${model}@${version} has no input schema`);
  return found;
}

const tabular: [string, DemoModelEntry, Dataset<number>][] = [
  ['recs@1.0.0', entry('recs', '1.0.0'), generateRecsData({ seed: 31, rows: 300 })],
  ['recs@2.0.0', entry('recs', '2.0.0'), generateRecsData({ seed: 31, rows: 300 })],
  ['conversion@1.0.0', entry('conversion', '1.0.0'), generateConversionData({ seed: 32, rows: 300 })],
];

describe.each([
  ['Ajv (draft-07)', () => new Ajv({ strict: true })],
  ['Ajv2020 (draft 2020-12)', () => new Ajv2020({ strict: true })],
])('input schema under %s', (_, makeAjv) => {
  it.each(tabular)('%s accepts every generated instance', (_, model, data) => {
    const validate = makeAjv().compile(model.inputSchema ?? false);
    for (const row of data.rows) {
      const instance = rowToInstance(model.featureOrder ?? [], row);
      expect(validate(instance), JSON.stringify(validate.errors)).toBe(true);
    }
  });

  it('rejects missing, extra, out-of-range and mistyped features', () => {
    const recs = entry('recs', '2.0.0');
    const validate = makeAjv().compile(recs.inputSchema ?? false);
    const good = rowToInstance(
      recs.featureOrder ?? [],
      generateRecsData({ seed: 33, rows: 1 }).rows[0] ?? [],
    );
    const { cart_items: _dropped, ...missing } = good;
    expect(validate(good)).toBe(true);
    expect(validate(missing)).toBe(false);
    expect(validate({ ...good, coupon: 1 })).toBe(false);
    expect(validate({ ...good, affinity_home: 1.5 })).toBe(false);
    expect(validate({ ...good, sessions_30d: 2.5 })).toBe(false);
    expect(validate({ ...good, orders_90d: '3' })).toBe(false);
    const conversion = entry('conversion', '1.0.0');
    const validateConversion = makeAjv().compile(conversion.inputSchema ?? false);
    const session = rowToInstance(conversion.featureOrder ?? [], [20, 0, 1, 5, 3, 0]);
    expect(validateConversion(session)).toBe(true);
    expect(validateConversion({ ...session, device_mobile: 0.5 })).toBe(false);
  });
});
