#include "bot/replies/reply_store.h"

#include "bot/sql/db.h"
#include "bot/sql/migrations.h"
#include "bot/sql/transaction.h"

namespace aasr::replies {
namespace {

// Every reader selects these columns in this order (ReadRow).
const char* kColumns =
    "r.id, r.item_id, r.account, r.platform, r.private, r.text, r.template, r.idempotency_key, r.state, "
    "r.attempts, r.next_attempt_ms, r.last_error, r.remote_id, r.url, r.created_by, r.created_ms, r.updated_ms, "
    "c.remote_id, c.parent, c.root, c.author_id, c.author_handle, c.text "
    "FROM replies r JOIN items i ON i.id = r.item_id JOIN comments c ON c.id = i.comment_id ";

ReplyState StateFrom(const std::string& s) {
  if (s == "sending") return ReplyState::kSending;
  if (s == "sent") return ReplyState::kSent;
  if (s == "failed") return ReplyState::kFailed;
  return ReplyState::kPlanned;
}

ReplyRow ReadRow(const sql::Stmt& q) {
  ReplyRow r;
  r.id = q.Int(0);
  r.item_id = q.Int(1);
  r.account = q.Text(2);
  r.platform = q.Text(3);
  r.is_private = q.Int(4) != 0;
  r.text = q.Text(5);
  r.template_name = q.Text(6);
  r.idempotency_key = q.Text(7);
  r.state = StateFrom(q.Text(8));
  r.attempts = static_cast<int>(q.Int(9));
  r.next_attempt_ms = q.Int(10);
  r.last_error = q.Text(11);
  r.remote_id = q.Text(12);
  r.url = q.Text(13);
  r.created_by = q.Text(14);
  r.created_ms = q.Int(15);
  r.updated_ms = q.Int(16);
  r.target.remote_id = q.Text(17);
  r.target.parent_remote_id = q.Text(18);
  r.target.root_remote_id = q.Text(19);
  r.target.author_id = q.Text(20);
  r.target.author_handle = q.Text(21);
  r.target.text = q.Text(22);
  return r;
}

Result<std::vector<ReplyRow>> ReadAll(sql::Stmt& q) {
  std::vector<ReplyRow> out;
  Error e;
  while (q.Step(&e)) out.push_back(ReadRow(q));
  if (!e.message.empty()) return e;
  return out;
}

std::string RowSubject(int64_t id) { return "reply " + std::to_string(id); }

}  // namespace

const char* ReplyStateName(ReplyState s) {
  switch (s) {
    case ReplyState::kPlanned: return "planned";
    case ReplyState::kSending: return "sending";
    case ReplyState::kSent: return "sent";
    case ReplyState::kFailed: return "failed";
  }
  return "planned";
}

platforms::ReplyRequest ReplyRow::Request() const {
  platforms::ReplyRequest r;
  r.target = target;
  r.text = text;
  r.is_private = is_private;
  r.idempotency_key = idempotency_key;
  return r;
}

ReplyStore::ReplyStore(std::unique_ptr<sql::Db> db, std::string path) : db_(std::move(db)), path_(std::move(path)) {}
ReplyStore::~ReplyStore() = default;

Result<std::unique_ptr<ReplyStore>> ReplyStore::Open(const std::string& path) {
  auto db = sql::Db::Open(path);
  if (!db.ok()) return db.errors();
  auto version = sql::Migrate(*db.value());
  if (!version.ok()) return version.errors();
  return std::unique_ptr<ReplyStore>(new ReplyStore(std::move(db).value(), path));
}

Status ReplyStore::Audit(int64_t item_id, const std::string& actor, const std::string& action,
                         const std::string& note, int64_t now_ms) {
  AASR_PREPARE(q, *db_, "INSERT INTO audit(item_id, actor, at_ms, action, note) VALUES(?, ?, ?, ?, ?)");
  q.Bind(1, item_id).Bind(2, actor).Bind(3, now_ms).Bind(4, action).Bind(5, note);
  Error e;
  if (!q.Run(&e)) return e;
  return Ok{};
}

Result<ReplyRow> ReplyStore::Enqueue(const NewReply& r, int64_t now_ms, bool* created) {
  if (created) *created = false;
  if (r.idempotency_key.empty()) return Error{{path_, 0, 0}, "item " + std::to_string(r.item_id), "a reply needs an idempotency key"};
  std::lock_guard<std::mutex> lock(mu_);
  sql::Tx tx(*db_, true);
  if (!tx.ok()) return tx.error();
  {
    AASR_PREPARE(q, *db_, std::string("SELECT ") + kColumns + "WHERE r.idempotency_key = ?");
    q.Bind(1, r.idempotency_key);
    Error e;
    if (q.Step(&e)) return ReadRow(q);  // queued before: the same reply
    if (!e.message.empty()) return e;
  }
  std::string account, platform;
  {
    AASR_PREPARE(q, *db_,
                 "SELECT c.account, c.platform FROM items i JOIN comments c ON c.id = i.comment_id WHERE i.id = ?");
    q.Bind(1, r.item_id);
    Error e;
    if (!q.Step(&e)) {
      if (!e.message.empty()) return e;
      return Error{{path_, 0, 0}, "item " + std::to_string(r.item_id), "no such item"};
    }
    account = q.Text(0);
    platform = q.Text(1);
  }
  {
    AASR_PREPARE(q, *db_,
                 "INSERT INTO replies(item_id, account, platform, private, text, template, idempotency_key, state, "
                 "next_attempt_ms, created_by, created_ms, updated_ms) "
                 "VALUES(?, ?, ?, ?, ?, ?, ?, 'planned', ?, ?, ?, ?)");
    q.Bind(1, r.item_id).Bind(2, account).Bind(3, platform).Bind(4, r.is_private ? 1 : 0).Bind(5, r.text);
    q.Bind(6, r.template_name).Bind(7, r.idempotency_key).Bind(8, now_ms).Bind(9, r.actor).Bind(10, now_ms);
    q.Bind(11, now_ms);
    Error e;
    if (!q.Run(&e)) return e;
  }
  const int64_t id = db_->LastInsertId();
  Status a = Audit(r.item_id, r.actor, "reply.queued",
                   std::string(r.is_private ? "private" : "public") + " reply " + std::to_string(id) +
                       (r.template_name.empty() ? "" : " (from \"" + r.template_name + "\")") + ": " + r.text,
                   now_ms);
  if (!a.ok()) return a.errors();
  ReplyRow row;
  {
    AASR_PREPARE(q, *db_, std::string("SELECT ") + kColumns + "WHERE r.id = ?");
    q.Bind(1, id);
    Error e;
    if (!q.Step(&e)) return e;
    row = ReadRow(q);
  }
  Status c = tx.Commit();
  if (!c.ok()) return c.errors();
  if (created) *created = true;
  return row;
}

Result<std::vector<ReplyRow>> ReplyStore::ForItem(int64_t item_id) {
  std::lock_guard<std::mutex> lock(mu_);
  AASR_PREPARE(q, *db_, std::string("SELECT ") + kColumns + "WHERE r.item_id = ? ORDER BY r.id");
  q.Bind(1, item_id);
  return ReadAll(q);
}

Result<std::optional<ReplyRow>> ReplyStore::Get(int64_t id) {
  std::lock_guard<std::mutex> lock(mu_);
  AASR_PREPARE(q, *db_, std::string("SELECT ") + kColumns + "WHERE r.id = ?");
  q.Bind(1, id);
  Error e;
  if (q.Step(&e)) return std::optional<ReplyRow>(ReadRow(q));
  if (!e.message.empty()) return e;
  return std::optional<ReplyRow>();
}

Result<std::vector<ReplyRow>> ReplyStore::Due(const std::string& account, int64_t now_ms, int limit) {
  std::lock_guard<std::mutex> lock(mu_);
  AASR_PREPARE(q, *db_,
               std::string("SELECT ") + kColumns +
                   "WHERE r.account = ? AND r.state = 'planned' AND r.next_attempt_ms <= ? ORDER BY r.id LIMIT ?");
  q.Bind(1, account).Bind(2, now_ms).Bind(3, limit);
  return ReadAll(q);
}

Result<std::vector<ReplyRow>> ReplyStore::Sending(const std::string& account) {
  std::lock_guard<std::mutex> lock(mu_);
  AASR_PREPARE(q, *db_, std::string("SELECT ") + kColumns + "WHERE r.account = ? AND r.state = 'sending' ORDER BY r.id");
  q.Bind(1, account);
  return ReadAll(q);
}

Status ReplyStore::MarkSending(int64_t id, int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  AASR_PREPARE(q, *db_,
               "UPDATE replies SET state = 'sending', attempts = attempts + 1, updated_ms = ? "
               "WHERE id = ? AND state IN ('planned', 'sending')");
  q.Bind(1, now_ms).Bind(2, id);
  Error e;
  if (!q.Run(&e)) return e;
  if (db_->Changes() != 1) return Error{{path_, 0, 0}, RowSubject(id), "reply is not planned"};
  return Ok{};
}

Status ReplyStore::MarkSent(int64_t id, const platforms::Published& p, int64_t now_ms, const std::string& note) {
  std::lock_guard<std::mutex> lock(mu_);
  sql::Tx tx(*db_, true);
  if (!tx.ok()) return tx.error();
  int64_t item_id = 0;
  bool is_private = false;
  {
    AASR_PREPARE(q, *db_, "SELECT item_id, private FROM replies WHERE id = ? AND state != 'sent'");
    q.Bind(1, id);
    Error e;
    if (!q.Step(&e)) {
      if (!e.message.empty()) return e;
      return Ok{};  // already recorded
    }
    item_id = q.Int(0);
    is_private = q.Int(1) != 0;
  }
  {
    AASR_PREPARE(q, *db_,
                 "UPDATE replies SET state = 'sent', remote_id = ?, url = ?, last_error = '', updated_ms = ? WHERE id = ?");
    q.Bind(1, p.remote_id).Bind(2, p.url).Bind(3, now_ms).Bind(4, id);
    Error e;
    if (!q.Run(&e)) return e;
  }
  std::string what = std::string(is_private ? "private" : "public") + " reply " + std::to_string(id) + " sent";
  what += p.url.empty() ? " (id " + p.remote_id + ")" : ": " + p.url;
  if (!note.empty()) what += " (" + note + ")";
  Status a = Audit(item_id, "system", "reply.sent", what, now_ms);
  if (!a.ok()) return a;
  return tx.Commit();
}

Status ReplyStore::MarkFailed(int64_t id, const std::string& error, int64_t next_attempt_ms, bool final,
                              int64_t now_ms) {
  std::lock_guard<std::mutex> lock(mu_);
  sql::Tx tx(*db_, true);
  if (!tx.ok()) return tx.error();
  int64_t item_id = 0;
  {
    AASR_PREPARE(q, *db_, "SELECT item_id FROM replies WHERE id = ?");
    q.Bind(1, id);
    Error e;
    if (!q.Step(&e)) {
      if (!e.message.empty()) return e;
      return Error{{path_, 0, 0}, RowSubject(id), "no such reply"};
    }
    item_id = q.Int(0);
  }
  {
    AASR_PREPARE(q, *db_, "UPDATE replies SET state = ?, last_error = ?, next_attempt_ms = ?, updated_ms = ? WHERE id = ?");
    q.Bind(1, final ? "failed" : "planned").Bind(2, error).Bind(3, final ? 0 : next_attempt_ms).Bind(4, now_ms);
    q.Bind(5, id);
    Error e;
    if (!q.Run(&e)) return e;
  }
  if (final) {
    Status a = Audit(item_id, "system", "reply.failed", "reply " + std::to_string(id) + " not sent: " + error, now_ms);
    if (!a.ok()) return a;
  }
  return tx.Commit();
}

}  // namespace aasr::replies
