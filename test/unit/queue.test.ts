import { WorkQueue } from '../../src/kube/queue.js';
import { CancelledError, KubeClient } from '../../src/kube/client.js';
import type { Connection } from '../../src/kube/kubeconfig.js';

describe('work queue', () => {
  test('one key never runs twice at once; an add during a run runs it once more', async () => {
    const log: string[] = [];
    let release!: () => void;
    const gate = new Promise<void>((r) => { release = r; });
    const q = new WorkQueue(async (k) => {
      log.push(`start ${k}`);
      if (log.length === 1) await gate;
      log.push(`end ${k}`);
    });
    q.add('a');
    q.add('a');
    await new Promise((r) => setTimeout(r, 10));
    q.add('a');
    q.add('a');
    release();
    await q.idle();
    expect(log).toEqual(['start a', 'end a', 'start a', 'end a']);
  });

  test('failures retry with backoff until they succeed', async () => {
    let calls = 0;
    const errors: number[] = [];
    const q = new WorkQueue(async () => { if (++calls < 3) throw new Error('boom'); }, { baseDelayMs: 5 }, (_k, _e, retry) => errors.push(retry));
    q.add('a');
    await q.idle();
    expect(calls).toBe(3);
    expect(errors).toEqual([5, 10]);
  });
});

describe('work queue under leadership changes', () => {
  test('stop with cancel aborts the handlers in flight and forgets what waits; start takes new work', async () => {
    const seen: string[] = [];
    let aborted: unknown;
    const q = new WorkQueue(async (k, signal) => {
      seen.push(k);
      if (k === 'slow') {
        await new Promise<void>((resolve) => signal.addEventListener('abort', () => { aborted = signal.reason; resolve(); }));
      }
    }, { concurrency: 1 });
    q.add('slow');
    q.add('waiting');
    await new Promise((r) => setTimeout(r, 10));
    await q.stop({ cancel: true, reason: 'leadership lost' });
    expect(aborted).toBe('leadership lost');
    q.add('while-stopped');
    q.start();
    q.add('after');
    await q.idle();
    expect(seen).toEqual(['slow', 'after']);
  });

  test('a request made inside a cancelled handler is refused before it is sent', async () => {
    const client = new KubeClient({ server: new URL('https://127.0.0.1:1'), headers: async () => ({}) } satisfies Connection);
    let failure: unknown;
    const q = new WorkQueue(async (_k, signal) => {
      await new Promise<void>((resolve) => signal.addEventListener('abort', () => resolve()));
      try {
        await client.request('GET', '/api/v1/namespaces');
      } catch (e) {
        failure = e;
      }
    });
    q.add('a');
    await new Promise((r) => setTimeout(r, 10));
    await q.stop({ cancel: true, reason: 'leadership lost' });
    expect(failure).toBeInstanceOf(CancelledError);
    expect(String((failure as Error).message)).toMatch(/not sent: leadership lost/);
    expect(client.counts.reads).toBe(1);
  });
});
