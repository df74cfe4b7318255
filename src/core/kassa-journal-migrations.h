/* kassa-journal-migrations.h — the journal's schema versions, step by step
 *
 * Copyright 2026 Kassa developers
 * SPDX-License-Identifier: GPL-3.0-or-later
 *
 * Included by kassa-journal-schema.c (which upgrades old files with it) and
 * by kassa-journal-schema-gen.c (which runs every step on an empty database
 * at build time and writes what they make as one statement,
 * current_schema, the schema a new journal is made from). The one place the
 * schema is written: a new version appends a step here, and nothing else.
 */

#pragma once

/* Migrations: step i brings a journal from user_version i to i + 1. A step
 * never changes once released; a new version appends a step. */
static const char * const migrations[] = {
  /* 0 → 1 */
  "CREATE TABLE meta ("
  "  key   TEXT PRIMARY KEY NOT NULL,"
  "  value TEXT NOT NULL"
  ");"
  "CREATE TABLE settlements ("
  "  id           TEXT PRIMARY KEY NOT NULL,"
  "  terminal     TEXT NOT NULL,"
  "  state        TEXT NOT NULL,"
  "  created_at   INTEGER NOT NULL,"
  "  local_count  INTEGER NOT NULL DEFAULT 0 CHECK (local_count >= 0),"
  "  local_amount INTEGER NOT NULL DEFAULT 0 CHECK (local_amount >= 0),"
  "  bank_count   INTEGER,"
  "  bank_amount  INTEGER,"
  "  bank_status  TEXT,"
  "  settled_at   INTEGER,"
  "  last_error   TEXT,"
  "  updated_at   INTEGER NOT NULL"
  ");"
  "CREATE TABLE invoices ("
  "  id                INTEGER PRIMARY KEY,"
  "  number            TEXT NOT NULL UNIQUE,"
  "  terminal          TEXT NOT NULL,"
  "  amount            INTEGER NOT NULL CHECK (amount > 0),"
  "  method            TEXT NOT NULL,"
  "  phone             TEXT,"
  "  reference         TEXT,"
  "  created_at        INTEGER NOT NULL,"
  "  state             TEXT NOT NULL,"
  "  payload           TEXT,"
  "  approval_code     TEXT,"
  "  card_number       TEXT,"
  "  resp_code         TEXT,"
  "  resp_desc         TEXT,"
  "  paid_after_cancel INTEGER NOT NULL DEFAULT 0,"
  "  last_error        TEXT,"
  "  settlement_id     TEXT REFERENCES settlements (id),"
  "  updated_at        INTEGER NOT NULL"
  ");"
  "CREATE TABLE transitions ("
  "  id         INTEGER PRIMARY KEY,"
  "  invoice    TEXT NOT NULL REFERENCES invoices (number),"
  "  from_state TEXT,"
  "  to_state   TEXT NOT NULL,"
  "  at         INTEGER NOT NULL,"
  "  note       TEXT"
  ");"
  "CREATE INDEX transitions_invoice ON transitions (invoice);"
  "CREATE TABLE settlement_invoices ("
  "  settlement_id TEXT NOT NULL REFERENCES settlements (id),"
  "  invoice       TEXT NOT NULL REFERENCES invoices (number),"
  "  PRIMARY KEY (settlement_id, invoice)"
  ");",

  /* 1 → 2: the log of bank exchanges, and indexes for history and recovery */
  "CREATE TABLE exchanges ("
  "  id            INTEGER PRIMARY KEY,"
  "  invoice       TEXT REFERENCES invoices (number),"
  "  settlement_id TEXT REFERENCES settlements (id),"
  "  endpoint      TEXT NOT NULL,"
  "  request_json  TEXT,"
  "  http_status   INTEGER,"
  "  reply_body    TEXT,"
  "  error_domain  TEXT,"
  "  error_code    INTEGER,"
  "  error_message TEXT,"
  "  at            INTEGER NOT NULL"
  ");"
  "CREATE INDEX exchanges_invoice ON exchanges (invoice);"
  "CREATE INDEX invoices_created ON invoices (created_at);"
  "CREATE INDEX invoices_state ON invoices (state);",

  /* 2 → 3: the hash-chained audit log of manager actions (kassa-manager.h) */
  "CREATE TABLE audit ("
  "  id        INTEGER PRIMARY KEY,"
  "  time      INTEGER NOT NULL,"
  "  action    TEXT NOT NULL,"
  "  reason    TEXT NOT NULL DEFAULT '',"
  "  subject   TEXT NOT NULL DEFAULT '',"
  "  result    TEXT NOT NULL,"
  "  prev_hash TEXT NOT NULL,"
  "  hash      TEXT NOT NULL"
  ");",

  /* 3 → 4: why a cancel was made (KassaCancelReason nick; NULL before) */
  "ALTER TABLE invoices ADD COLUMN cancel_reason TEXT;",

  /* 4 → 5: routine exchanges are counted, not stored one by one
   * (docs/journal.md "Trimming"). A routine row stands for @repeats
   * exchanges made from @first_at to @at. The rows a v4 journal already
   * holds are trimmed later, a chunk of invoices at a time
   * (kassa_journal_trim_step): trim_exchanges_below is the invoice id below
   * which there is still work. Adding columns rewrites no row. */
  "ALTER TABLE exchanges ADD COLUMN routine INTEGER NOT NULL DEFAULT 0;"
  "ALTER TABLE exchanges ADD COLUMN repeats INTEGER NOT NULL DEFAULT 1;"
  "ALTER TABLE exchanges ADD COLUMN first_at INTEGER;"
  "INSERT INTO meta (key, value) SELECT 'trim_exchanges_below', max(id) + 1 FROM invoices "
  "  HAVING max(id) IS NOT NULL;",

  /* 5 → 6: the print log (kassa-journal-print.c, docs/printing.md "A receipt
   * is never lost"): one row per job sent to a receipt printer. */
  "CREATE TABLE prints ("
  "  id          INTEGER PRIMARY KEY,"
  "  kind        TEXT NOT NULL,"
  "  invoice     TEXT REFERENCES invoices (number),"
  "  settlement  TEXT REFERENCES settlements (id),"
  "  printer     TEXT NOT NULL,"
  "  state       TEXT NOT NULL,"
  "  error       TEXT,"
  "  started_at  INTEGER NOT NULL,"
  "  finished_at INTEGER"
  ");"
  "CREATE INDEX prints_invoice ON prints (invoice);",
};
