import { spawn, type ChildProcess } from 'node:child_process';
import { request } from 'node:http';
import { join } from 'node:path';
import { ensureTopics } from '../../../connectors/kafka/topics';
import { friedmanStream } from '../../../src/datasets/friedman';
import { runTopology } from '../../../src/topology/run-topology';
import { regressionSgd } from '../../../topologies/regression-sgd';
import { projectRoot } from '../../../src/paths';
import { buildDist } from '../../support/build';
import { testBrokers, uniqueName } from '../../support/kafka';
import { parsePrometheusText, sumOf } from '../../support/prometheus-text';
import { produce, take } from '../topology/support';

const ROOT = projectRoot();
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** Children still running, killed after each test so that a failed one leaves no process behind. */
const children = new Set<ChildProcess>();

/** The compiled CLI as users run it, with its stdout and stderr collected. */
function cli(args: string[]): { child: ChildProcess; output: () => string; exited: Promise<number | null> } {
  const child = spawn(process.execPath, [join(ROOT, 'bin', 'streamlearn.js'), ...args], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let output = '';
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
  return { child, output: () => output, exited };
}

async function waitForLine(output: () => string, pattern: RegExp, timeoutMs = 120_000): Promise<RegExpMatchArray> {
  for (let waited = 0; waited < timeoutMs; waited += 100) {
    const match = pattern.exec(output());
    if (match) return match;
    await sleep(100);
  }
  throw new Error(`no line matching ${pattern} within ${timeoutMs} ms; output:\n${output()}`);
}

async function scrapeUntil(url: string, done: (families: ReturnType<typeof parsePrometheusText>) => boolean, timeoutMs = 120_000) {
  for (let waited = 0; ; waited += 250) {
    const families = parsePrometheusText(await (await fetch(url)).text());
    if (done(families)) return families;
    if (waited > timeoutMs) throw new Error(`metrics at ${url} never met the condition`);
    await sleep(250);
  }
}

/** GET with a chosen Host header (fetch does not let one set it). */
function getWithHost(url: string, host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    request(url, { headers: { host } }, (res) => {
      res.resume();
      resolve(res.statusCode ?? 0);
    })
      .on('error', reject)
      .end();
  });
}

/** The first server-sent `topology` event whose data passes `accept`. */
async function firstTopologyEvent(url: string, accept: (view: { name: string; models: Array<{ version: number }> }) => boolean) {
  const controller = new AbortController();
  const response = await fetch(url, { signal: controller.signal });
  expect(response.headers.get('content-type')).toMatch(/^text\/event-stream/);
  const reader = response.body!.getReader();
  let buffered = '';
  try {
    for (;;) {
      const { value, done } = await reader.read();
      if (done) throw new Error('the event stream ended');
      buffered += Buffer.from(value).toString();
      for (let end = buffered.indexOf('\n\n'); end >= 0; end = buffered.indexOf('\n\n')) {
        const event = buffered.slice(0, end);
        buffered = buffered.slice(end + 2);
        const data = /^event: topology\ndata: (.*)$/s.exec(event)?.[1];
        if (data && accept(JSON.parse(data))) return JSON.parse(data) as { name: string; models: Array<{ version: number }> };
      }
    }
  } finally {
    controller.abort();
  }
}

describe('CLI: --metrics-port, the dashboard command and the main job’s dashboard', () => {
  afterEach(() => {
    for (const child of children) child.kill('SIGKILL');
  });
  beforeAll(() => buildDist());

  it('streamlearn run --metrics-port serves counters that add up to what was produced, and stops cleanly', async () => {
    const brokers = testBrokers();
    const prefix = `${uniqueName('cli-prom')}.`;
    const input = `${prefix}regression-sgd.events`;
    await ensureTopics({ brokers }, [{ topic: input }]);
    await produce(brokers, input, [...take(friedmanStream(), 2000), 'not json', ...take(friedmanStream({ seed: 9 }), 999)]);
    const run = cli(['run', 'regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix, '--metrics-port', '0']);
    const [, url] = await waitForLine(run.output, /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    // A letter is counted once stored, which may come after its batch is (letters are written in the background).
    const families = await scrapeUntil(url, (f) => sumOf(f, 'streamlearn_records_consumed_total') >= 3000 && sumOf(f, 'streamlearn_dead_letters_total') >= 1);
    const topology = { topology: `${prefix}regression-sgd` };
    expect(sumOf(families, 'streamlearn_records_total', { ...topology, outcome: 'learned' })).toBe(2999);
    expect(sumOf(families, 'streamlearn_records_total', { ...topology, outcome: 'dead_lettered' })).toBe(1);
    expect(sumOf(families, 'streamlearn_dead_letters_total', { ...topology, code: 'MALFORMED' })).toBe(1);
    run.child.kill('SIGTERM');
    expect(await run.exited).toBe(0);
    await expect(fetch(url)).rejects.toThrow(); // the endpoint went away with the process
  });

  it('streamlearn serve --metrics-port counts requests by outcome, answer latency and the version served', async () => {
    const brokers = testBrokers();
    const prefix = `${uniqueName('cli-serve')}.`;
    const topology = regressionSgd({ prefix });
    await ensureTopics({ brokers }, [{ topic: topology.config.input.topic }]);
    await produce(brokers, topology.config.input.topic, take(friedmanStream(), 2000));
    const trained = await (await runTopology(topology, { brokers, until: (p) => p.records >= 2000 })).done;

    const serve = cli(['serve', 'regression-sgd', '--brokers', brokers.join(','), '--prefix', prefix, '--metrics-port', '0']);
    const [, url] = await waitForLine(serve.output, /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    await waitForLine(serve.output, /serving .* v\d+/);
    const requests = take(friedmanStream({ seed: 4 }), 50).map((event, i) => ({ ...event, requestId: `q${i}` }));
    await produce(brokers, `${prefix}regression-sgd.requests`, [...requests, { x1: 1 }]);
    const model = { model: topology.modelId };
    const families = await scrapeUntil(url, (f) => sumOf(f, 'streamlearn_serving_requests_total', model) >= 51);
    expect(sumOf(families, 'streamlearn_serving_requests_total', { ...model, outcome: 'answered' })).toBe(50);
    expect(sumOf(families, 'streamlearn_serving_requests_total', { ...model, outcome: 'dead_lettered' })).toBe(1);
    expect(sumOf(families, 'streamlearn_serving_answer_latency_seconds_count', model)).toBe(50);
    expect(sumOf(families, 'streamlearn_serving_model_version', model)).toBe(trained.versions[topology.modelId]);
    serve.child.kill('SIGINT');
    expect(await serve.exited).toBe(0);
    expect(serve.output()).toContain('stopped after 50 answers');
  });

  it('streamlearn dashboard binds loopback, serves the page and uPlot from the package, and refuses other Host names', async () => {
    const brokers = testBrokers();
    const dashboard = cli(['dashboard', '--brokers', brokers.join(','), '--port', '0', '--prefix', `${uniqueName('none')}.`]);
    const [, url] = await waitForLine(dashboard.output, /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/);
    const page = await fetch(url);
    expect(page.status).toBe(200);
    expect(await page.text()).toContain('<script src="/vendor/uPlot.iife.min.js"');
    const uplot = await fetch(`${url}vendor/uPlot.iife.min.js`);
    expect(uplot.status).toBe(200);
    expect((await uplot.text()).length).toBeGreaterThan(10_000);
    expect((await fetch(`${url}app.js`)).headers.get('content-type')).toMatch(/javascript/);
    expect((await fetch(`${url}../package.json`)).status).toBe(404);
    expect((await fetch(url, { method: 'POST' })).status).toBe(405);
    expect(await getWithHost(url, 'attacker.example:80')).toBe(421);
    dashboard.child.kill('SIGINT');
    expect(await dashboard.exited).toBe(0);
  });

  it('npm start prints the dashboard URL; with --follow --dashboard the page stays live until Ctrl-C', async () => {
    const brokers = testBrokers();
    const start = cli(['start', '--brokers', brokers.join(','), '--events', '3000', '--follow', '--dashboard', '--metrics-port', '0']);
    const [, url] = await waitForLine(start.output, /dashboard at (http:\/\/127\.0\.0\.1:\d+\/)/);
    const [, metricsUrl] = await waitForLine(start.output, /metrics at (http:\/\/127\.0\.0\.1:\d+\/metrics)/);
    // The stream goes on (--follow): the page's view of the demo topology reaches a later version.
    const first = await firstTopologyEvent(`${url}events`, (view) => view.name.startsWith('demo-') && (view.models[0]?.version ?? 0) >= 1);
    const later = await firstTopologyEvent(`${url}events`, (view) => (view.models[0]?.version ?? 0) > first.models[0].version);
    expect(later.name).toBe(first.name);
    const families = await scrapeUntil(metricsUrl, (f) => sumOf(f, 'streamlearn_records_consumed_total') > 3000);
    expect(sumOf(families, 'streamlearn_dead_letters_total')).toBeGreaterThan(0);
    start.child.kill('SIGINT');
    expect(await start.exited).toBe(0);
    expect(start.output()).toContain('summary');
  });
});
