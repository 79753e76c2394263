#include "bot/alerts/outbox.h"

#include <algorithm>
#include <sstream>

#include "bot/sql/migrations.h"
#include "bot/sql/transaction.h"

namespace aasr::alerts {
namespace {

// Events with what routing and rendering need of their item, joined.
constexpr const char* kEventColumns =
    "e.id, e.kind, e.item_id, e.subject, e.detail, e.created_ms, COALESCE(i.priority, 0), "
    "COALESCE(i.crisis, 0), COALESCE(i.state, ''), COALESCE(c.platform, ''), COALESCE(c.account, ''), "
    "COALESCE(c.author_handle, ''), COALESCE(c.text, ''), "
    "COALESCE((SELECT group_concat(category, ',') FROM item_categories WHERE item_id = e.item_id), '')";
constexpr const char* kEventJoin =
    " FROM alert_events e LEFT JOIN items i ON i.id = e.item_id LEFT JOIN comments c ON c.id = i.comment_id";

Event ReadEvent(const sql::Stmt& st, int col) {
  Event e;
  e.id = st.Int(col);
  e.kind = st.Text(col + 1);
  e.item_id = st.Int(col + 2);
  e.subject = st.Text(col + 3);
  e.detail = st.Text(col + 4);
  e.created_ms = st.Int(col + 5);
  e.priority = static_cast<int>(st.Int(col + 6));
  e.crisis = st.Int(col + 7) != 0;
  e.state = st.Text(col + 8);
  e.platform = st.Text(col + 9);
  e.account = st.Text(col + 10);
  e.author = st.Text(col + 11);
  e.text = st.Text(col + 12);
  std::stringstream cats(st.Text(col + 13));
  for (std::string c; std::getline(cats, c, ',');)
    if (!c.empty()) e.categories.push_back(c);
  std::sort(e.categories.begin(), e.categories.end());
  return e;
}

std::string IdList(const std::vector<int64_t>& ids) {
  std::string s;
  for (int64_t id : ids) s += (s.empty() ? "" : ",") + std::to_string(id);
  return s;
}

}  // namespace

std::string DeliveryKey(int64_t delivery_id, const std::string& channel) {
  return "aasr-a" + std::to_string(delivery_id) + "-" + channel;
}

Result<std::unique_ptr<Outbox>> Outbox::Open(const std::string& database) {
  auto db = sql::Db::Open(database);
  if (!db.ok()) return db.errors();
  auto v = sql::Migrate(*db.value());
  if (!v.ok()) return v.errors();
  return std::unique_ptr<Outbox>(new Outbox(std::move(db).value()));
}

Result<int64_t> Outbox::Record(const std::string& kind, int64_t item_id, const std::string& subject,
                               const std::string& detail, const std::string& dedupe, int64_t now_ms) {
  AASR_PREPARE(st, *db_,
               "INSERT OR IGNORE INTO alert_events(kind, item_id, subject, detail, dedupe, created_ms) "
               "VALUES(?,?,?,?,?,?)");
  st.Bind(1, kind).Bind(2, item_id).Bind(3, subject).Bind(4, detail);
  if (dedupe.empty()) st.BindNull(5);
  else st.Bind(5, dedupe);
  st.Bind(6, now_ms);
  AASR_RUN(st);
  if (db_->Changes() == 0) return int64_t{0};
  return db_->LastInsertId();
}

Result<int> Outbox::Route(const Router& router, int64_t now_ms) {
  sql::Tx tx(*db_, true);
  if (!tx.ok()) return tx.error();
  int64_t cursor = 0;
  {
    AASR_PREPARE(c, *db_, "SELECT value FROM cursors WHERE scope = 'alerts' AND key = 'routed'");
    if (c.Step()) cursor = std::stoll(c.Text(0));
  }
  std::vector<Event> events;
  {
    AASR_PREPARE(q, *db_, std::string("SELECT ") + kEventColumns + kEventJoin + " WHERE e.id > ? ORDER BY e.id LIMIT 2000");
    q.Bind(1, cursor);
    Error err;
    while (q.Step(&err)) events.push_back(ReadEvent(q, 0));
    if (!err.message.empty()) return err;
  }
  if (events.empty()) return 0;
  int made = 0;
  AASR_PREPARE(ins, *db_,
               "INSERT OR IGNORE INTO alert_deliveries(event_id, channel, state, due_ms) VALUES(?,?,?,?)");
  for (const Event& e : events) {
    for (const std::string& name : router.ChannelsFor(e)) {
      const config::AlertChannel* c = router.config().FindChannel(name);
      if (!c) continue;
      Router::Plan plan = router.Schedule(*c, e, now_ms);
      ins.Reset();
      ins.Bind(1, e.id).Bind(2, name).Bind(3, plan.digest ? "digest" : "pending").Bind(4, plan.due_ms);
      AASR_RUN(ins);
      made += db_->Changes();
    }
  }
  AASR_PREPARE(put, *db_,
               "INSERT INTO cursors VALUES('alerts','routed',?,?) ON CONFLICT(scope, key) DO UPDATE SET "
               "value = excluded.value, updated_ms = excluded.updated_ms");
  put.Bind(1, std::to_string(events.back().id)).Bind(2, now_ms);
  AASR_RUN(put);
  Status s = tx.Commit();
  if (!s.ok()) return s.errors();
  return made;
}

Result<int> Outbox::ScanCrisisUndecided(int minutes, int64_t now_ms) {
  if (minutes <= 0) return 0;
  AASR_PREPARE(st, *db_,
               "INSERT OR IGNORE INTO alert_events(kind, item_id, dedupe, created_ms) "
               "SELECT 'crisis_undecided', id, 'crisis_undecided:' || id, ? FROM items "
               "WHERE crisis = 1 AND state IN ('pending','escalated') AND created_ms <= ?");
  st.Bind(1, now_ms).Bind(2, now_ms - int64_t{minutes} * 60000);
  AASR_RUN(st);
  return db_->Changes();
}

Result<std::vector<Delivery>> Outbox::Read(sql::Stmt& st) {
  std::vector<Delivery> out;
  Error err;
  while (st.Step(&err)) {
    Delivery d;
    d.id = st.Int(0);
    d.channel = st.Text(1);
    d.state = st.Text(2);
    d.due_ms = st.Int(3);
    d.attempts = static_cast<int>(st.Int(4));
    d.last_error = st.Text(5);
    d.event = ReadEvent(st, 6);
    out.push_back(std::move(d));
  }
  if (!err.message.empty()) return err;
  return out;
}

Result<std::vector<Delivery>> Outbox::Due(const std::string& channel, const std::string& state, int64_t now_ms,
                                          int limit) {
  AASR_PREPARE(st, *db_,
               std::string("SELECT d.id, d.channel, d.state, d.due_ms, d.attempts, d.last_error, ") + kEventColumns +
                   " FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id"
                   " LEFT JOIN items i ON i.id = e.item_id LEFT JOIN comments c ON c.id = i.comment_id"
                   " WHERE d.channel = ? AND d.state = ? AND d.due_ms <= ? ORDER BY d.id LIMIT ?");
  st.Bind(1, channel).Bind(2, state).Bind(3, now_ms).Bind(4, limit);
  return Read(st);
}

Result<std::vector<Delivery>> Outbox::ForEvent(int64_t event_id) {
  AASR_PREPARE(st, *db_,
               std::string("SELECT d.id, d.channel, d.state, d.due_ms, d.attempts, d.last_error, ") + kEventColumns +
                   " FROM alert_deliveries d JOIN alert_events e ON e.id = d.event_id"
                   " LEFT JOIN items i ON i.id = e.item_id LEFT JOIN comments c ON c.id = i.comment_id"
                   " WHERE d.event_id = ? ORDER BY d.id");
  st.Bind(1, event_id);
  return Read(st);
}

Status Outbox::Mark(const std::vector<int64_t>& ids, const std::string& state, const std::string& batch,
                    int64_t now_ms) {
  if (ids.empty()) return Ok{};
  sql::Tx tx(*db_, true);
  if (!tx.ok()) return tx.error();
  AASR_PREPARE(st, *db_, "UPDATE alert_deliveries SET state = ?, batch = ?, sent_ms = ? WHERE id IN (" + IdList(ids) + ")");
  st.Bind(1, state).Bind(2, batch).Bind(3, now_ms);
  AASR_RUN(st);
  return tx.Commit();
}

Status Outbox::MarkAttempt(const std::vector<int64_t>& ids, const std::string& error, int64_t due_ms) {
  if (ids.empty()) return Ok{};
  AASR_PREPARE(st, *db_,
               "UPDATE alert_deliveries SET attempts = attempts + 1, last_error = ?, due_ms = ? WHERE id IN (" +
                   IdList(ids) + ")");
  st.Bind(1, error).Bind(2, due_ms);
  AASR_RUN(st);
  return Ok{};
}

Status Outbox::MarkFailed(const std::vector<int64_t>& ids, const std::string& error) {
  if (ids.empty()) return Ok{};
  AASR_PREPARE(st, *db_,
               "UPDATE alert_deliveries SET state = 'failed', attempts = attempts + 1, last_error = ? WHERE id IN (" +
                   IdList(ids) + ")");
  st.Bind(1, error);
  AASR_RUN(st);
  return Ok{};
}

Result<std::map<std::string, std::map<std::string, int64_t>>> Outbox::Counts() {
  AASR_PREPARE(st, *db_, "SELECT channel, state, count(*) FROM alert_deliveries GROUP BY channel, state");
  std::map<std::string, std::map<std::string, int64_t>> out;
  while (st.Step()) out[st.Text(0)][st.Text(1)] = st.Int(2);
  return out;
}

Result<Outbox::Ages> Outbox::OldestOpen() {
  Ages a;
  {
    AASR_PREPARE(st, *db_, "SELECT COALESCE(min(created_ms), 0) FROM items WHERE crisis = 1 AND state IN ('pending','escalated')");
    if (st.Step()) a.oldest_crisis_ms = st.Int(0);
  }
  {
    AASR_PREPARE(st, *db_, "SELECT COALESCE(min(created_ms), 0) FROM items WHERE state = 'pending'");
    if (st.Step()) a.oldest_pending_ms = st.Int(0);
  }
  return a;
}

}  // namespace aasr::alerts
