#include "bot/store/lifecycle.h"

#include "bot/sql/transaction.h"

namespace aasr::store {
namespace {

constexpr int64_t kDayMs = 86'400'000;

// Blanks every comment in the temp table `doomed` (see the header's first
// promise). Returns the audit notes dropped.
Result<int64_t> BlankDoomed(sql::Db& db) {
  for (const char* q : {
           "DELETE FROM matches WHERE comment_id IN (SELECT id FROM doomed)",
           "UPDATE verdicts SET explanation = '' WHERE comment_id IN (SELECT id FROM doomed)",
           "UPDATE comments SET text = '', parent_text = '', author_id = '', author_handle = '', "
           "author_age_days = NULL, author_followers = NULL, author_first_comment = NULL "
           "WHERE id IN (SELECT id FROM doomed)",
       }) {
    Status s = db.Exec(q);
    if (!s.ok()) return s.errors();
  }
  Status s = db.Exec(
      "UPDATE audit SET note = '' WHERE note != '' AND item_id IN "
      "(SELECT i.id FROM items i JOIN doomed d ON i.comment_id = d.id)");
  if (!s.ok()) return s.errors();
  const int64_t notes = static_cast<int64_t>(db.Changes());
  // A reply quotes or names the person it answers (it opens with their
  // handle), so it goes with their comment. Only finished ones: a reply
  // still planned or sending is the outbox's to finish, and its text is
  // what will be sent.
  s = db.Exec(
      "UPDATE replies SET text = '' WHERE text != '' AND state IN ('sent', 'failed') AND "
      "item_id IN (SELECT i.id FROM items i JOIN doomed d ON i.comment_id = d.id)");
  if (!s.ok()) return s.errors();
  return notes;
}

Result<int64_t> Doom(sql::Db& db, const std::string& select, const std::vector<std::string>& args) {
  Status s = db.Exec("CREATE TEMP TABLE IF NOT EXISTS doomed(id INTEGER PRIMARY KEY); DELETE FROM doomed;");
  if (!s.ok()) return s.errors();
  AASR_PREPARE(st, db, "INSERT INTO doomed(id) " + select);
  for (size_t i = 0; i < args.size(); ++i) st.Bind(static_cast<int>(i + 1), args[i]);
  AASR_RUN(st);
  return static_cast<int64_t>(db.Changes());
}

// Every row `select` gives for one item (its ?1), each made JSON by `row`.
template <typename RowFn>
Result<nlohmann::json> ItemRows(sql::Db& db, const char* select, int64_t item, RowFn row) {
  AASR_PREPARE(st, db, select);
  st.Bind(1, item);
  nlohmann::json rows = nlohmann::json::array();
  Error e;
  while (st.Step(&e)) rows.push_back(row(st));
  if (!e.message.empty()) return e;
  return rows;
}

}  // namespace

Result<PruneReport> Prune(sql::Db& db, const RetentionPolicy& p, int64_t now_ms) {
  PruneReport r;
  if (!p.any()) return r;
  sql::Tx tx(db, true);
  if (!tx.ok()) return tx.error();
  auto cutoff = [&](int days) { return std::to_string(now_ms - days * kDayMs); };
  if (p.allowed_days > 0) {
    auto n = Doom(db,
                  "SELECT c.id FROM comments c WHERE c.text != '' AND c.received_ms < ?1 AND "
                  "NOT EXISTS (SELECT 1 FROM items i WHERE i.comment_id = c.id)",
                  {cutoff(p.allowed_days)});
    if (!n.ok()) return n.errors();
    r.allowed = n.value();
    auto notes = BlankDoomed(db);
    if (!notes.ok()) return notes.errors();
    r.audit_notes += notes.value();
  }
  if (p.flagged_days > 0) {
    auto n = Doom(db,
                  "SELECT c.id FROM comments c JOIN items i ON i.comment_id = c.id WHERE "
                  "c.text != '' AND i.state IN ('approved', 'removed') AND i.updated_ms < ?1",
                  {cutoff(p.flagged_days)});
    if (!n.ok()) return n.errors();
    r.flagged = n.value();
    auto notes = BlankDoomed(db);
    if (!notes.ok()) return notes.errors();
    r.audit_notes += notes.value();
  }
  if (p.audit_excerpt_days > 0) {
    AASR_PREPARE(st, db, "UPDATE audit SET note = '' WHERE note != '' AND at_ms < ?1");
    st.Bind(1, now_ms - p.audit_excerpt_days * kDayMs);
    AASR_RUN(st);
    r.audit_notes += db.Changes();
  }
  Status c = tx.Commit();
  if (!c.ok()) return c.errors();
  return r;
}

Result<nlohmann::json> ExportAuthor(sql::Db& db, const std::string& platform,
                                    const std::string& author) {
  sql::Tx tx(db, false);  // one snapshot
  if (!tx.ok()) return tx.error();
  AASR_PREPARE(st, db,
               "SELECT c.id, c.remote_id, c.account, c.parent, c.root, c.parent_text, c.author_id, "
               "c.author_handle, c.text, c.received_ms, v.action, v.categories, v.explanation, "
               "i.id, i.state, i.hidden, i.created_ms, i.updated_ms "
               "FROM comments c LEFT JOIN verdicts v ON v.comment_id = c.id "
               "LEFT JOIN items i ON i.comment_id = c.id "
               "WHERE c.platform = ?1 AND (c.author_id = ?2 OR c.author_handle = ?2) ORDER BY c.id");
  st.Bind(1, platform).Bind(2, author);
  nlohmann::json comments = nlohmann::json::array();
  Error e;
  while (st.Step(&e)) {
    nlohmann::json c = {{"remote_id", st.Text(1)},   {"account", st.Text(2)},
                        {"parent", st.Text(3)},      {"root", st.Text(4)},
                        {"parent_text", st.Text(5)}, {"author_id", st.Text(6)},
                        {"author_handle", st.Text(7)}, {"text", st.Text(8)},
                        {"received_ms", st.Int(9)}};
    if (!st.IsNull(10))
      c["verdict"] = {{"action", st.Text(10)}, {"categories", st.Text(11)},
                      {"explanation", st.Text(12)}};
    if (!st.IsNull(13)) {
      int64_t item = st.Int(13);
      auto audit = ItemRows(db,
                            "SELECT actor, at_ms, action, from_state, to_state, note FROM audit "
                            "WHERE item_id = ?1 ORDER BY id",
                            item, [](sql::Stmt& a) -> nlohmann::json {
                              return {{"actor", a.Text(0)}, {"at_ms", a.Int(1)},
                                      {"action", a.Text(2)}, {"from", a.Text(3)},
                                      {"to", a.Text(4)},     {"note", a.Text(5)}};
                            });
      if (!audit.ok()) return audit.errors();
      // What moderators answered them is part of their data too.
      auto replies = ItemRows(db,
                              "SELECT private, text, state, url, created_by, created_ms "
                              "FROM replies WHERE item_id = ?1 ORDER BY id",
                              item, [](sql::Stmt& r) -> nlohmann::json {
                                return {{"private", r.Int(0) != 0}, {"text", r.Text(1)},
                                        {"state", r.Text(2)},       {"url", r.Text(3)},
                                        {"by", r.Text(4)},          {"created_ms", r.Int(5)}};
                              });
      if (!replies.ok()) return replies.errors();
      c["item"] = {{"id", item},
                   {"state", st.Text(14)},
                   {"hidden", st.Int(15) != 0},
                   {"created_ms", st.Int(16)},
                   {"updated_ms", st.Int(17)},
                   {"audit", audit.value()},
                   {"replies", replies.value()}};
    }
    comments.push_back(std::move(c));
  }
  if (!e.message.empty()) return e;
  return nlohmann::json{{"platform", platform}, {"author", author}, {"comments", comments}};
}

Result<EraseReport> EraseAuthor(sql::Db& db, const std::string& platform,
                                const std::string& author) {
  sql::Tx tx(db, true);
  if (!tx.ok()) return tx.error();
  EraseReport r;
  auto n = Doom(db,
                "SELECT id FROM comments WHERE platform = ?1 AND text != '' AND "
                "(author_id = ?2 OR author_handle = ?2)",
                {platform, author});
  if (!n.ok()) return n.errors();
  r.comments = n.value();
  auto notes = BlankDoomed(db);
  if (!notes.ok()) return notes.errors();
  r.audit_notes = notes.value();
  Status c = tx.Commit();
  if (!c.ok()) return c.errors();
  return r;
}

}  // namespace aasr::store
