import { describe, expect, it } from 'vitest';
import { EndpointUrlSchema, isHostAllowed, parseHostAllowlist } from './backend.ts';

const allowlist = parseHostAllowlist('models.internal, *.svc.cluster.local, 127.0.0.1:8501');

describe('backend host allowlist', () => {
  it.each([
    ['http://models.internal/v2', true],
    ['https://MODELS.internal:9443', true],
    ['http://triton.ml.svc.cluster.local:8000', true],
    ['http://svc.cluster.local', false],
    ['http://evil-svc.cluster.local.attacker.io', false],
    ['http://127.0.0.1:8501', true],
    ['http://127.0.0.1:8502', false],
    // SSRF vectors: every spelling of a host is normalised before it is compared.
    ['http://169.254.169.254/latest/meta-data/', false],
    ['http://[::ffff:127.0.0.1]/', false],
    ['http://2130706433/', false],
    ['http://0x7f000001/', false],
    ['http://2130706433:8501/', true],
  ])('%s -> %s', (url, allowed) => {
    expect(isHostAllowed(url, allowlist)).toBe(allowed);
  });

  it('allows every host when the list is empty', () => {
    expect(isHostAllowed('http://10.0.0.1', parseHostAllowlist(''))).toBe(true);
  });

  it.each(['http://x', 'a/b', 'a b', 'host:port'])('rejects the entry %s, naming it', (entry) => {
    expect(() => parseHostAllowlist(entry)).toThrow(`"${entry}"`);
  });

  it.each(['file:///etc/passwd', 'gopher://x', 'http://user:pw@host/'])(
    'the endpoint schema refuses %s',
    (url) => {
      expect(EndpointUrlSchema.safeParse(url).success).toBe(false);
    },
  );
});
