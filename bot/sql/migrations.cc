#include "bot/sql/migrations.h"

#include "bot/sql/backup.h"

#include <string>
#include <vector>

namespace aasr::sql {
namespace {

// Never edit a migration once released: add a new one. Index i upgrades from
// version i to version i + 1.
const std::vector<std::string>& Steps() {
  static const std::vector<std::string> steps = {
      // 0 -> 1: the first schema.
      R"sql(
CREATE TABLE comments(
  id INTEGER PRIMARY KEY,
  platform TEXT NOT NULL,
  account TEXT NOT NULL DEFAULT '',
  remote_id TEXT NOT NULL,
  parent TEXT NOT NULL DEFAULT '',
  parent_text TEXT NOT NULL DEFAULT '',
  author_id TEXT NOT NULL DEFAULT '',
  author_handle TEXT NOT NULL DEFAULT '',
  author_age_days REAL,
  author_followers REAL,
  author_first_comment INTEGER,
  text TEXT NOT NULL,
  received_ms INTEGER NOT NULL,
  UNIQUE(platform, remote_id));
CREATE INDEX comments_author ON comments(platform, author_handle);
CREATE INDEX comments_received ON comments(received_ms);
CREATE TABLE verdicts(
  comment_id INTEGER PRIMARY KEY REFERENCES comments(id),
  action TEXT NOT NULL CHECK(action IN ('allow','review','hide')),
  priority INTEGER NOT NULL,
  categories TEXT NOT NULL,
  explanation TEXT NOT NULL);
CREATE TABLE matches(
  id INTEGER PRIMARY KEY,
  comment_id INTEGER NOT NULL REFERENCES comments(id),
  rule_id TEXT NOT NULL,
  category TEXT NOT NULL,
  description TEXT NOT NULL,
  action TEXT NOT NULL,
  priority INTEGER NOT NULL,
  spans TEXT NOT NULL);
CREATE INDEX matches_comment ON matches(comment_id);
CREATE INDEX matches_rule ON matches(rule_id);
CREATE TABLE items(
  id INTEGER PRIMARY KEY,
  comment_id INTEGER NOT NULL UNIQUE REFERENCES comments(id),
  state TEXT NOT NULL CHECK(state IN ('pending','escalated','approved','removed')),
  priority INTEGER NOT NULL,
  hidden INTEGER NOT NULL DEFAULT 0,
  claimed_by TEXT NOT NULL DEFAULT '',
  claim_expires_ms INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL,
  version INTEGER NOT NULL DEFAULT 0);
CREATE TABLE item_categories(
  item_id INTEGER NOT NULL REFERENCES items(id),
  category TEXT NOT NULL,
  PRIMARY KEY(item_id, category));
CREATE INDEX item_categories_category ON item_categories(category, item_id);
CREATE TABLE audit(
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL DEFAULT 0,
  actor TEXT NOT NULL,
  at_ms INTEGER NOT NULL,
  action TEXT NOT NULL,
  from_state TEXT NOT NULL DEFAULT '',
  to_state TEXT NOT NULL DEFAULT '',
  note TEXT NOT NULL DEFAULT '',
  undoes INTEGER NOT NULL DEFAULT 0);
CREATE INDEX audit_item ON audit(item_id, id);
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TRIGGER audit_no_delete BEFORE DELETE ON audit
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only'); END;
CREATE TABLE platform_actions(
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES items(id),
  audit_id INTEGER NOT NULL,
  kind TEXT NOT NULL CHECK(kind IN ('hide','unhide','delete','block','report')),
  state TEXT NOT NULL CHECK(state IN ('pending','done','failed','cancelled')),
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX platform_actions_state ON platform_actions(state, id);
CREATE INDEX platform_actions_item ON platform_actions(item_id, id);
CREATE TABLE moderators(
  id INTEGER PRIMARY KEY,
  name TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL CHECK(role IN ('moderator','admin')),
  password_hash TEXT NOT NULL,
  disabled INTEGER NOT NULL DEFAULT 0,
  created_ms INTEGER NOT NULL);
CREATE TABLE sessions(
  token_hash TEXT PRIMARY KEY,
  user TEXT NOT NULL,
  csrf TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  expires_ms INTEGER NOT NULL);
)sql",
      // 1 -> 2: crisis items sort first (denormalized for the queue index);
      // durable per-account cursors for the platform pollers.
      R"sql(
ALTER TABLE items ADD COLUMN crisis INTEGER NOT NULL DEFAULT 0;
UPDATE items SET crisis = 1
  WHERE id IN (SELECT item_id FROM item_categories WHERE category = 'crisis');
CREATE INDEX items_queue ON items(state, crisis DESC, priority DESC, created_ms, id);
CREATE TABLE cursors(
  scope TEXT NOT NULL,
  key TEXT NOT NULL,
  value TEXT NOT NULL,
  updated_ms INTEGER NOT NULL,
  PRIMARY KEY(scope, key));
)sql",
      // 2 -> 3: the default queue (pending and escalated) reads in sort order
      // from a partial index instead of sorting every open item per request.
      R"sql(
CREATE INDEX items_open_queue ON items(crisis DESC, priority DESC, created_ms, id)
  WHERE state IN ('pending','escalated');
)sql",
      // 3 -> 4: the thread's root post (Bluesky hides replies through the
      // root's threadgate); platform actions retry on a schedule. Failed
      // actions of version 3 were retried on every pass: keep them due.
      R"sql(
ALTER TABLE comments ADD COLUMN root TEXT NOT NULL DEFAULT '';
ALTER TABLE platform_actions ADD COLUMN retry_at_ms INTEGER NOT NULL DEFAULT 0;
UPDATE platform_actions SET retry_at_ms = max(updated_ms, 1) WHERE state = 'failed';
)sql",
      // 4 -> 5: the outreach tables join the one sequence. Release 0.2.0 made
      // them itself (outreach_schema_version 1, this layout) on the same
      // file: keep those, create them where missing, retire the version table.
      R"sql(
CREATE TABLE IF NOT EXISTS outreach_feed_state (
  feed TEXT PRIMARY KEY,
  etag TEXT NOT NULL DEFAULT '',
  last_modified TEXT NOT NULL DEFAULT '',
  last_success INTEGER NOT NULL DEFAULT 0);
CREATE TABLE IF NOT EXISTS outreach_seen_stories (
  feed TEXT NOT NULL,
  story_id TEXT NOT NULL,
  title TEXT NOT NULL,
  excerpt TEXT NOT NULL,
  link TEXT NOT NULL,
  image_url TEXT NOT NULL,
  published INTEGER NOT NULL,
  disposition TEXT NOT NULL,
  seen_at INTEGER NOT NULL,
  PRIMARY KEY (feed, story_id));
CREATE TABLE IF NOT EXISTS outreach_outbox (
  id INTEGER PRIMARY KEY AUTOINCREMENT,
  kind TEXT NOT NULL,
  item_id TEXT NOT NULL,
  account TEXT NOT NULL,
  platform TEXT NOT NULL,
  post_json TEXT NOT NULL,
  content_hash TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  planned_at INTEGER NOT NULL,
  state TEXT NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_at INTEGER NOT NULL DEFAULT 0,
  remote_id TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  error TEXT NOT NULL DEFAULT '',
  created_at INTEGER NOT NULL,
  updated_at INTEGER NOT NULL,
  UNIQUE (account, idempotency_key));
CREATE INDEX IF NOT EXISTS outreach_outbox_state ON outreach_outbox(state, planned_at);
DROP TABLE IF EXISTS outreach_schema_version;
)sql",
      // 5 -> 6: one unit for every time in the file, milliseconds since the
      // epoch as the moderation tables keep them: outreach's seconds are
      // converted and its columns named *_ms like the rest.
      R"sql(
UPDATE outreach_feed_state SET last_success = last_success * 1000;
ALTER TABLE outreach_feed_state RENAME COLUMN last_success TO last_success_ms;
UPDATE outreach_seen_stories SET published = published * 1000, seen_at = seen_at * 1000;
ALTER TABLE outreach_seen_stories RENAME COLUMN published TO published_ms;
ALTER TABLE outreach_seen_stories RENAME COLUMN seen_at TO seen_ms;
UPDATE outreach_outbox SET planned_at = planned_at * 1000, next_attempt_at = next_attempt_at * 1000,
  created_at = created_at * 1000, updated_at = updated_at * 1000;
ALTER TABLE outreach_outbox RENAME COLUMN planned_at TO planned_ms;
ALTER TABLE outreach_outbox RENAME COLUMN next_attempt_at TO next_attempt_ms;
ALTER TABLE outreach_outbox RENAME COLUMN created_at TO created_ms;
ALTER TABLE outreach_outbox RENAME COLUMN updated_at TO updated_ms;
)sql",
      // 6 -> 7: retention and a person's erasure request (bot/store/lifecycle.h)
      // drop the quoted text of audit notes; everything else in a row stays
      // append-only.
      R"sql(
DROP TRIGGER audit_no_update;
CREATE TRIGGER audit_no_update BEFORE UPDATE ON audit
  WHEN NEW.note != '' OR NEW.id IS NOT OLD.id OR NEW.item_id IS NOT OLD.item_id
    OR NEW.actor IS NOT OLD.actor OR NEW.at_ms IS NOT OLD.at_ms OR NEW.action IS NOT OLD.action
    OR NEW.from_state IS NOT OLD.from_state OR NEW.to_state IS NOT OLD.to_state
    OR NEW.undoes IS NOT OLD.undoes
  BEGIN SELECT RAISE(ABORT, 'the audit log is append-only (only a note may be erased)'); END;
)sql",
      // 7 -> 8: the alerts outbox (bot/alerts/). Triggers record an alert
      // event in the very transaction that creates an item, escalates it or
      // gives up on a post, so no event can be stored without its alert.
      // Deliveries are one row per (event, channel): their id is the dedupe
      // key every channel sends (Matrix txnId, Idempotency-Key, Message-ID).
      R"sql(
CREATE TABLE alert_events(
  id INTEGER PRIMARY KEY,
  kind TEXT NOT NULL,
  item_id INTEGER NOT NULL DEFAULT 0,
  subject TEXT NOT NULL DEFAULT '',
  detail TEXT NOT NULL DEFAULT '',
  dedupe TEXT UNIQUE,
  created_ms INTEGER NOT NULL);
CREATE TABLE alert_deliveries(
  id INTEGER PRIMARY KEY,
  event_id INTEGER NOT NULL REFERENCES alert_events(id),
  channel TEXT NOT NULL,
  state TEXT NOT NULL CHECK(state IN ('pending','digest','sent','failed','summarized','suppressed')),
  due_ms INTEGER NOT NULL,
  attempts INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  batch TEXT NOT NULL DEFAULT '',
  sent_ms INTEGER NOT NULL DEFAULT 0,
  UNIQUE(event_id, channel));
CREATE INDEX alert_deliveries_due ON alert_deliveries(channel, state, due_ms, id);
CREATE TRIGGER items_alert_new AFTER INSERT ON items BEGIN
  INSERT INTO alert_events(kind, item_id, created_ms) VALUES('new_item', NEW.id, NEW.created_ms);
END;
CREATE TRIGGER items_alert_escalated AFTER UPDATE OF state ON items
  WHEN NEW.state = 'escalated' AND OLD.state != 'escalated' BEGIN
  INSERT INTO alert_events(kind, item_id, created_ms) VALUES('escalated', NEW.id, NEW.updated_ms);
END;
CREATE TRIGGER outbox_alert_failed AFTER UPDATE OF state ON outreach_outbox
  WHEN NEW.state = 'failed' AND OLD.state != 'failed' BEGIN
  INSERT INTO alert_events(kind, subject, detail, created_ms)
    VALUES('post_failed', NEW.account, 'outbox row ' || NEW.id || ': ' || NEW.error, NEW.updated_ms);
END;
)sql",
      // 8 -> 9: replies to comments, sent through their own outbox
      // (bot/replies/reply_store.h): intent recorded before sending, the
      // result after; the idempotency key is unique, so a double click or a
      // retried request cannot queue a second reply.
      R"sql(
CREATE TABLE replies(
  id INTEGER PRIMARY KEY,
  item_id INTEGER NOT NULL REFERENCES items(id),
  account TEXT NOT NULL,
  platform TEXT NOT NULL,
  private INTEGER NOT NULL DEFAULT 0,
  text TEXT NOT NULL,
  template TEXT NOT NULL DEFAULT '',
  idempotency_key TEXT NOT NULL UNIQUE,
  state TEXT NOT NULL CHECK(state IN ('planned','sending','sent','failed')),
  attempts INTEGER NOT NULL DEFAULT 0,
  next_attempt_ms INTEGER NOT NULL DEFAULT 0,
  last_error TEXT NOT NULL DEFAULT '',
  remote_id TEXT NOT NULL DEFAULT '',
  url TEXT NOT NULL DEFAULT '',
  created_by TEXT NOT NULL,
  created_ms INTEGER NOT NULL,
  updated_ms INTEGER NOT NULL);
CREATE INDEX replies_item ON replies(item_id, id);
CREATE INDEX replies_due ON replies(account, state, next_attempt_ms);
)sql",
  };
  return steps;
}

// Release 0.2.0 only ever wrote outreach_schema_version 1; any other value
// is a layout step 5 does not know, so refuse rather than adopt it.
Status CheckOldOutreachVersion(Db& db) {
  AASR_PREPARE(has, db,
               "SELECT 1 FROM sqlite_master WHERE type = 'table' AND "
               "name = 'outreach_schema_version'");
  if (!has.Step()) return Ok{};
  AASR_PREPARE(bad, db, "SELECT version FROM outreach_schema_version WHERE version != 1");
  if (!bad.Step()) return Ok{};
  return Error{{db.path(), 0, 0}, "schema",
               "outreach schema version " + std::to_string(bad.Int(0)) +
                   " is not one this aasr-bot can migrate (it knows 1)"};
}

}  // namespace

Result<int> SchemaVersion(Db& db) {
  auto st = db.Prepare("PRAGMA user_version");
  if (!st.ok()) return st.errors();
  Error e;
  if (!st.value()->Step(&e)) return e;
  return static_cast<int>(st.value()->Int(0));
}

Result<int> Migrate(Db& db, int target) {
  Result<int> current = SchemaVersion(db);
  if (!current.ok()) return current.errors();
  int v = current.value();
  if (v > kSchemaVersion) {
    return Error{{db.path(), 0, 0}, "schema",
                 "database schema version " + std::to_string(v) +
                     " is newer than this aasr-bot understands (" +
                     std::to_string(kSchemaVersion) +
                     "); upgrade aasr-bot or use a database made by this version"};
  }
  const auto& steps = Steps();
  if (target > static_cast<int>(steps.size()))
    return Error{{db.path(), 0, 0}, "schema", "no migration to version " + std::to_string(target)};
  // A copy first, so an upgrade that goes wrong (or a newer build later
  // rolled back) loses nothing. A fresh file (version 0) has nothing to keep.
  if (v > 0 && v < target && db.path() != ":memory:" && !db.path().empty()) {
    const std::string copy =
        StampedSibling(db.path(), "pre-v" + std::to_string(target));
    Status s = Backup(db, copy);
    if (!s.ok()) {
      Error e = s.errors().front();
      e.subject = "schema";
      e.message = "not migrating from version " + std::to_string(v) + " to " +
                  std::to_string(target) + ": the copy taken first failed (" + e.message +
                  "); the database is unchanged";
      return e;
    }
  }
  while (v < target) {
    // The version is read again under the write lock: another connection
    // (the outreach store, a second process) may have migrated meanwhile.
    Status s = db.Exec("BEGIN IMMEDIATE");
    Result<int> now = s.ok() ? SchemaVersion(db) : Result<int>(s.errors());
    if (now.ok() && now.value() != v) {
      (void)db.Exec("COMMIT");
      v = now.value();
      continue;
    }
    if (now.ok() && v == 4) {
      Status old = CheckOldOutreachVersion(db);
      if (!old.ok()) now = old.errors();
    }
    if (now.ok()) {
      s = db.Exec(steps[static_cast<size_t>(v)] + "\nPRAGMA user_version = " +
                  std::to_string(v + 1) + ";\nCOMMIT;");
    } else {
      s = now.errors();
    }
    if (!s.ok()) {
      (void)db.Exec("ROLLBACK");
      Error e = s.errors().front();
      e.subject = "schema";
      e.message = "migration to version " + std::to_string(v + 1) + " failed: " + e.message;
      return e;
    }
    ++v;
  }
  return v;
}

}  // namespace aasr::sql
