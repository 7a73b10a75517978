import assert from 'node:assert/strict';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { createChannelRepository } from '../../server/db/channel-repository.ts';
import { migrate, openDatabase } from '../../server/db/database.ts';
import { MIGRATIONS } from '../../server/db/migrations/index.ts';

test('the database opens in WAL mode, migrates once, and keeps channels across reopening', () => {
  const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'boxoffice-db-'));
  const file = path.join(dir, 'nested', 'boxoffice.db');
  try {
    const db = openDatabase(file);
    assert.equal(db.pragma('journal_mode', { simple: true }), 'wal');
    createChannelRepository(db).create({ id: 'demo', title: 'Demo', priceCents: 0, streamKey: 'sk_x' });
    migrate(db, MIGRATIONS); // a second run applies nothing and loses nothing
    db.close();
    const again = openDatabase(file);
    const versions = again.prepare('SELECT version FROM schema_migrations').all();
    assert.deepEqual(versions, MIGRATIONS.map((m) => ({ version: m.version })));
    const channels = createChannelRepository(again);
    assert.equal(channels.findByStreamKey('sk_x')?.id, 'demo');
    assert.equal(channels.findByStreamKey('sk_y'), undefined);
    assert.throws(() => channels.create({ id: 'other', title: 'Other', priceCents: 0, streamKey: 'sk_x' }), /UNIQUE/, 'stream keys are unique');
    assert.throws(() => channels.create({ id: 'neg', title: 'Neg', priceCents: -1, streamKey: 'sk_z' }), /CHECK/);
    again.close();
  } finally {
    fs.rmSync(dir, { recursive: true, force: true });
  }
});

test('a failing migration is rolled back whole and not recorded', () => {
  const db = openDatabase(':memory:');
  const broken = [...MIGRATIONS, { version: 99, name: 'broken', sql: 'CREATE TABLE t (x INTEGER); INSERT INTO nope VALUES (1);' }];
  assert.throws(() => migrate(db, broken), /no such table: nope/);
  const created = db.prepare("SELECT COUNT(*) AS n FROM sqlite_master WHERE name = 't'").get() as { n: number };
  assert.equal(created.n, 0, 'the half-applied table is gone');
  assert.equal((db.prepare('SELECT MAX(version) AS v FROM schema_migrations').get() as { v: number }).v, MIGRATIONS.at(-1)!.version);
  db.close();
});
