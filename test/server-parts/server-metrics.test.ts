/**
 * The scrape-time series alerts and dashboard panels rely on (deploy/prometheus/alerts.yml): the database-up
 * gauge follows whether the pool answers, and the counters a ratio divides by exist at 0 before any event.
 */
import assert from 'node:assert/strict';
import { registry } from '../../src/obs/metrics';
import { databaseAnswers, registerServerMetrics } from '../../src/server/server-metrics';
import type { Store } from '../../src/store';

function fakeStore(query: () => Promise<unknown>): Store {
  return { pool: { query }, stats: () => ({}) } as unknown as Store;
}

describe('server metrics: series the alerts need', () => {
  it('video_agent_store_database_up is 1 while the pool answers and 0 when it fails or hangs', async () => {
    let answer: () => Promise<unknown> = async () => ({ rows: [{ '?column?': 1 }] });
    registerServerMetrics({
      streams: () => [], store: fakeStore(() => answer()),
      breakers: () => [{ model: 'detect', endpointId: 'ep-test-1', state: 'closed' }], liveClients: () => 0,
    });
    const up = async () => (await registry.getSingleMetric('video_agent_store_database_up')!.get()).values[0]?.value;
    assert.equal(await up(), 1);
    answer = async () => { throw new Error('ECONNREFUSED'); };
    assert.equal(await up(), 0);
    // A database that never answers must not hold the scrape: the 2 s bound (here 50 ms) reads as down.
    assert.equal(await databaseAnswers(fakeStore(() => new Promise(() => undefined)), 50), 0);
  });

  it('creates the endpoint call counters (ok and error) and the slow-client counter at 0', async () => {
    const text = await registry.metrics();
    assert.match(text, /video_agent_runpod_calls_total\{model="detect",endpoint="ep-test-1",outcome="error"\} 0/);
    assert.match(text, /video_agent_runpod_calls_total\{model="detect",endpoint="ep-test-1",outcome="ok"\} \d+/);
    assert.match(text, /video_agent_live_clients_closed_total\{reason="slow"\} \d+/);
    assert.match(text, /video_agent_runpod_cache_hits_total\{model="detect"\} \d+/);
  });
});
