import { createServer } from 'node:net';
import { newClusterId, requirePortFree } from '../../../src/broker/local-kafka';
import { freePort } from '../../../src/broker/free-port';

describe('newClusterId', () => {
  it('never begins with "-", which the storage tool would read as an option', () => {
    // 0xf8 as the first byte encodes to "-" in base64url; the first draw is refused, the second kept.
    const draws = [Buffer.alloc(16, 0xf8), Buffer.alloc(16, 0x01)];
    const id = newClusterId(() => draws.shift()!);
    expect(Buffer.alloc(16, 0xf8).toString('base64url').startsWith('-')).toBe(true);
    expect(id).toBe(Buffer.alloc(16, 0x01).toString('base64url'));
    expect(draws).toHaveLength(0);
  });

  it('is 22 base64url characters', () => {
    for (let i = 0; i < 200; i++) expect(newClusterId()).toMatch(/^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/);
  });
});

describe('requirePortFree', () => {
  it('passes for a free port and names a taken one', async () => {
    const port = await freePort();
    await expect(requirePortFree(port)).resolves.toBeUndefined();
    const server = createServer();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      await expect(requirePortFree(port)).rejects.toThrow(new RegExp(`^port ${port} on 127\\.0\\.0\\.1 is already in use; .*--port`));
    } finally {
      server.close();
    }
  });
});
