import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import { readdir } from 'node:fs/promises';
import { test } from 'node:test';
import { dataPaths } from '../../src/config/paths.ts';
import { freePort, spawnServer, tempDir, waitForHealth } from '../helpers/server.ts';
import { SHORT_WAIT_MS } from '../helpers/wait.ts';
import { runSlowClients } from './slow-clients.ts';

// 200 connections trickling bytes (loopback only) hold neither the server's
// memory nor its other requests, and each is cut by the header, idle-body or
// total upload timeout (short here) long before its message could end.

const CLIENTS = 200;
/** A generous bound for what 200 stalled sockets may add to the server's resident memory. */
const MAX_GROWTH_MIB = 200;

test(`${CLIENTS} slow clients do not exhaust memory or block a normal request, and are all cut`, async () => {
  const dataDir = await tempDir('slow');
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  const server = spawnServer(dataDir, port, {
    SELFTUNE_HEADERS_TIMEOUT_SECONDS: '3',
    SELFTUNE_BODY_IDLE_TIMEOUT_SECONDS: '2',
    SELFTUNE_UPLOAD_TIMEOUT_SECONDS: '5',
    SELFTUNE_ADMIN_KEY: '',
    SELFTUNE_API_KEYS: '',
  });
  try {
    await waitForHealth(url);
    const run = await runSlowClients(url, server.pid!, CLIENTS, SHORT_WAIT_MS);
    assert.equal(run.normalStatus, 200, 'a normal request is answered while the slow clients trickle');
    assert.equal(run.cut, CLIENTS, 'every slow client was cut by the server');
    assert.ok(run.rssPeakMiB - run.rssBeforeMiB < MAX_GROWTH_MIB, `resident memory grew ${run.rssPeakMiB - run.rssBeforeMiB} MiB`);
    const res = await fetch(`${url}/health`);
    assert.equal(res.status, 200, 'the server is up afterwards');
    assert.deepEqual(await readdir(dataPaths(dataDir).uploads).catch(() => []), [], 'nothing staged is left');
  } finally {
    server.kill('SIGTERM');
    await new Promise((r) => server.once('exit', r));
    await rm(dataDir, { recursive: true, force: true });
  }
});
