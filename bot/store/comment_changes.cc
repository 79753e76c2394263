#include "bot/store/comment_changes.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "bot/sql/transaction.h"

namespace aasr::store {
namespace {

using nlohmann::json;

std::string Spans(const std::vector<std::pair<uint32_t, uint32_t>>& spans) {
  json a = json::array();
  for (auto& [b, e] : spans) a.push_back({b, e});
  return a.dump();
}

Result<int64_t> Audit(sql::Db& db, int64_t item, const std::string& actor, int64_t now, const std::string& action,
                      const std::string& from, const std::string& to, const std::string& note) {
  AASR_PREPARE(st, db,
               "INSERT INTO audit(item_id, actor, at_ms, action, from_state, to_state, note) VALUES(?,?,?,?,?,?,?)");
  st.Bind(1, item).Bind(2, actor).Bind(3, now).Bind(4, action).Bind(5, from).Bind(6, to).Bind(7, note);
  AASR_RUN(st);
  return db.LastInsertId();
}

Result<int64_t> Action(sql::Db& db, int64_t item, int64_t audit, const std::string& kind, const char* state,
                       int64_t now) {
  AASR_PREPARE(st, db,
               "INSERT INTO platform_actions(item_id, audit_id, kind, state, created_ms, updated_ms) "
               "VALUES(?,?,?,?,?,?)");
  st.Bind(1, item).Bind(2, audit).Bind(3, kind).Bind(4, state).Bind(5, now).Bind(6, now);
  AASR_RUN(st);
  return db.LastInsertId();
}

// As the store's own: hidden when the latest live hide/unhide is a hide.
Status RecomputeHidden(sql::Db& db, int64_t item) {
  AASR_PREPARE(st, db,
               "UPDATE items SET hidden = COALESCE((SELECT kind = 'hide' FROM platform_actions "
               "WHERE item_id = ?1 AND kind IN ('hide','unhide') AND state != 'cancelled' "
               "AND NOT (state = 'failed' AND retry_at_ms = 0) "
               "ORDER BY id DESC LIMIT 1), 0) WHERE id = ?1");
  st.Bind(1, item);
  AASR_RUN(st);
  return Ok{};
}

Status AddCategories(sql::Db& db, int64_t item, const std::vector<std::string>& categories) {
  for (const auto& cat : categories) {
    AASR_PREPARE(ins, db, "INSERT OR IGNORE INTO item_categories VALUES(?, ?)");
    ins.Bind(1, item).Bind(2, cat);
    AASR_RUN(ins);
  }
  return Ok{};
}

// The new text and its verdict replace the old ones.
Status Rewrite(sql::Db& db, int64_t comment, const IngestRequest& e) {
  {
    AASR_PREPARE(st, db, "UPDATE comments SET text = ? WHERE id = ?");
    st.Bind(1, e.comment.text).Bind(2, comment);
    AASR_RUN(st);
  }
  {
    AASR_PREPARE(st, db, "DELETE FROM matches WHERE comment_id = ?");
    st.Bind(1, comment);
    AASR_RUN(st);
  }
  {
    AASR_PREPARE(st, db, "INSERT OR REPLACE INTO verdicts VALUES(?,?,?,?,?)");
    json cats = e.verdict.categories;
    st.Bind(1, comment).Bind(2, e.verdict.action).Bind(3, e.verdict.priority).Bind(4, cats.dump());
    st.Bind(5, e.verdict.explanation);
    AASR_RUN(st);
  }
  for (const auto& m : e.verdict.matches) {
    AASR_PREPARE(ins, db,
                 "INSERT INTO matches(comment_id, rule_id, category, description, action, priority, spans) "
                 "VALUES(?,?,?,?,?,?,?)");
    ins.Bind(1, comment).Bind(2, m.rule_id).Bind(3, m.category).Bind(4, m.description);
    ins.Bind(5, m.action).Bind(6, m.priority).Bind(7, Spans(m.spans));
    AASR_RUN(ins);
  }
  return Ok{};
}

Status Edited(sql::Db& db, const CommentChangeRequest& r, int64_t now, CommentChangeResult* out,
              const std::string& state, bool hidden) {
  const IngestRequest& e = r.edited;
  const Disposition& d = e.disposition;
  Status s = Rewrite(db, out->comment_id, e);
  if (!s.ok()) return s;
  const std::string what = "edited on " + r.platform + "; the new text screened " + e.verdict.action;
  if (out->item_id == 0) {
    if (!d.queue) return Ok{};
    // As Ingest queues a new comment.
    AASR_PREPARE(ins, db,
                 "INSERT INTO items(comment_id, state, priority, crisis, created_ms, updated_ms) "
                 "VALUES(?, 'pending', ?, ?, ?, ?)");
    ins.Bind(1, out->comment_id).Bind(2, e.verdict.priority).Bind(3, d.crisis ? 1 : 0).Bind(4, now).Bind(5, now);
    AASR_RUN(ins);
    out->item_id = db.LastInsertId();
    out->queued = true;
    s = AddCategories(db, out->item_id, e.verdict.categories);
    if (!s.ok()) return s;
    auto audit = Audit(db, out->item_id, "system", now, "queued", "", "pending",
                       d.note.empty() ? what : what + "; " + d.note);
    if (!audit.ok()) return audit.errors();
    if (!d.at_once.empty()) {
      auto a = Action(db, out->item_id, audit.value(), d.at_once, "pending", now);
      if (!a.ok()) return a.errors();
      out->action_id = a.value();
      return RecomputeHidden(db, out->item_id);
    }
    return Ok{};
  }
  const bool open = state == "pending" || state == "escalated";
  // A decided comment edited into one that needs review goes back to a
  // person: approving the old words did not approve the new ones.
  const std::string to = open || !d.queue ? state : "pending";
  {
    AASR_PREPARE(st, db,
                 "UPDATE items SET state = ?, priority = max(priority, ?), crisis = max(crisis, ?), "
                 "updated_ms = ?, version = version + 1 WHERE id = ?");
    st.Bind(1, to).Bind(2, e.verdict.priority).Bind(3, d.crisis ? 1 : 0).Bind(4, now).Bind(5, out->item_id);
    AASR_RUN(st);
  }
  s = AddCategories(db, out->item_id, e.verdict.categories);
  if (!s.ok()) return s;
  out->queued = to != state;
  auto audit = Audit(db, out->item_id, r.actor, now, "comment.edited", state, to,
                     to != state ? what + "; back in the queue" : what);
  if (!audit.ok()) return audit.errors();
  if (!d.at_once.empty() && d.queue && !hidden) {  // already hidden: nothing more to ask
    auto a = Action(db, out->item_id, audit.value(), d.at_once, "pending", now);
    if (!a.ok()) return a.errors();
    out->action_id = a.value();
    return RecomputeHidden(db, out->item_id);
  }
  return Ok{};
}

}  // namespace

Result<CommentChangeResult> ApplyCommentChange(sql::Db& db, const CommentChangeRequest& r, int64_t now) {
  sql::Tx tx(db, true);
  if (!tx.ok()) return tx.error();
  CommentChangeResult out;
  std::string state;
  bool hidden = false;
  {
    AASR_PREPARE(find, db,
                 "SELECT c.id, i.id, i.state, COALESCE(i.hidden, 0) FROM comments c LEFT JOIN items i ON i.comment_id = c.id "
                 "WHERE c.platform = ? AND c.remote_id = ?");
    find.Bind(1, r.platform).Bind(2, r.remote_id);
    Error e;
    if (!find.Step(&e)) {
      if (!e.message.empty()) return e;
      return out;  // never stored: nothing to follow
    }
    out.known = true;
    out.comment_id = find.Int(0);
    out.item_id = find.IsNull(1) ? 0 : find.Int(1);
    state = find.Text(2);
    hidden = find.Int(3) != 0;
  }
  Status s = Ok{};
  switch (r.kind) {
    case CommentChangeKind::kEdited:
      s = Edited(db, r, now, &out, state, hidden);
      break;
    case CommentChangeKind::kRemoved: {
      if (out.item_id == 0) break;
      AASR_PREPARE(st, db,
                   "UPDATE platform_actions SET state = 'cancelled', updated_ms = ? WHERE item_id = ? AND "
                   "kind IN ('hide','unhide','delete') AND (state = 'pending' OR (state = 'failed' AND "
                   "retry_at_ms > 0))");
      st.Bind(1, now).Bind(2, out.item_id);
      AASR_RUN(st);
      out.cancelled = db.Changes();
      auto audit = Audit(db, out.item_id, r.actor, now, "platform.removed", state, state,
                         "deleted on " + r.platform + " (by its author or the Page)" +
                             (out.cancelled ? "; " + std::to_string(out.cancelled) + " action(s) not carried out" : ""));
      if (!audit.ok()) return audit.errors();
      s = RecomputeHidden(db, out.item_id);
      break;
    }
    case CommentChangeKind::kHidden:
    case CommentChangeKind::kUnhidden: {
      if (out.item_id == 0) break;
      const std::string kind = r.kind == CommentChangeKind::kHidden ? "hide" : "unhide";
      auto audit = Audit(db, out.item_id, r.actor, now, "platform." + kind, state, state,
                         (kind == "hide" ? "hidden on " : "unhidden on ") + r.platform + " by the Page");
      if (!audit.ok()) return audit.errors();
      auto a = Action(db, out.item_id, audit.value(), kind, "done", now);
      if (!a.ok()) return a.errors();
      s = RecomputeHidden(db, out.item_id);
      break;
    }
  }
  if (!s.ok()) return s.errors();
  Status c = tx.Commit();
  if (!c.ok()) return c.errors();
  return out;
}

}  // namespace aasr::store
