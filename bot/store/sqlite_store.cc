#include "bot/store/sqlite_store.h"

#include <algorithm>
#include <sstream>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/sql/db.h"
#include "bot/sql/migrations.h"
#include "bot/sql/pool.h"
#include "bot/sql/transaction.h"

namespace aasr::store {
namespace {

using nlohmann::json;

using sql::Db;
using sql::Migrate;
using sql::Pool;
using sql::Stmt;
using sql::Tx;

std::string SpansJson(const std::vector<std::pair<uint32_t, uint32_t>>& spans) {
  json a = json::array();
  for (auto& [b, e] : spans) a.push_back({b, e});
  return a.dump();
}

std::vector<std::pair<uint32_t, uint32_t>> ParseSpans(const std::string& s) {
  std::vector<std::pair<uint32_t, uint32_t>> out;
  json j = json::parse(s, nullptr, false);
  if (!j.is_array()) return out;
  for (auto& p : j)
    if (p.is_array() && p.size() == 2) out.emplace_back(p[0].get<uint32_t>(), p[1].get<uint32_t>());
  return out;
}

std::vector<std::string> SplitCategories(const std::string& s) {
  std::vector<std::string> out;
  std::string cur;
  for (char c : s) {
    if (c == ',') {
      if (!cur.empty()) out.push_back(cur);
      cur.clear();
    } else {
      cur += c;
    }
  }
  if (!cur.empty()) out.push_back(cur);
  return out;
}

// Columns every item query selects, in this order.
constexpr const char* kItemColumns =
    "i.id, i.comment_id, i.state, i.priority, i.crisis, i.hidden, i.claimed_by, "
    "i.claim_expires_ms, i.created_ms, i.updated_ms, i.version, "
    "(SELECT group_concat(category, ',') FROM item_categories WHERE item_id = i.id), "
    "c.platform, c.account, c.author_handle, c.text, c.received_ms";

Item ReadItem(const Stmt& st, int base = 0) {
  Item it;
  it.id = st.Int(base + 0);
  it.comment_id = st.Int(base + 1);
  it.state = ParseState(st.Text(base + 2)).value_or(ItemState::kPending);
  it.priority = static_cast<int>(st.Int(base + 3));
  it.crisis = st.Int(base + 4) != 0;
  it.hidden = st.Int(base + 5) != 0;
  it.claimed_by = st.Text(base + 6);
  it.claim_expires_ms = st.Int(base + 7);
  it.created_ms = st.Int(base + 8);
  it.updated_ms = st.Int(base + 9);
  it.version = st.Int(base + 10);
  it.categories = SplitCategories(st.Text(base + 11));
  it.platform = st.Text(base + 12);
  it.account = st.Text(base + 13);
  it.author_handle = st.Text(base + 14);
  it.text = st.Text(base + 15);
  it.received_ms = st.Int(base + 16);
  return it;
}

constexpr const char* kAuditColumns =
    "id, item_id, actor, at_ms, action, from_state, to_state, note, undoes";

AuditEntry ReadAudit(const Stmt& st) {
  AuditEntry a;
  a.id = st.Int(0);
  a.item_id = st.Int(1);
  a.actor = st.Text(2);
  a.at_ms = st.Int(3);
  a.action = st.Text(4);
  a.from_state = st.Text(5);
  a.to_state = st.Text(6);
  a.note = st.Text(7);
  a.undoes = st.Int(8);
  return a;
}

constexpr const char* kActionColumns =
    "a.id, a.item_id, a.audit_id, c.platform, c.account, c.remote_id, c.author_id, a.kind, "
    "a.state, a.attempts, a.last_error, a.created_ms, a.updated_ms, c.parent, c.root, "
    "a.retry_at_ms, c.author_handle";

PlatformAction ReadAction(const Stmt& st) {
  PlatformAction a;
  a.id = st.Int(0);
  a.item_id = st.Int(1);
  a.audit_id = st.Int(2);
  a.platform = st.Text(3);
  a.account = st.Text(4);
  a.remote_id = st.Text(5);
  a.author_id = st.Text(6);
  a.kind = st.Text(7);
  a.state = st.Text(8);
  a.attempts = static_cast<int>(st.Int(9));
  a.last_error = st.Text(10);
  a.created_ms = st.Int(11);
  a.updated_ms = st.Int(12);
  a.parent = st.Text(13);
  a.root = st.Text(14);
  a.retry_at_ms = st.Int(15);
  a.author_handle = st.Text(16);
  return a;
}

Outcome Refuse(Code code, std::string message) {
  Outcome o;
  o.code = code;
  o.message = std::move(message);
  return o;
}

class SqliteStore : public Store {
 public:
  SqliteStore(std::shared_ptr<const Clock> clock, int version)
      : clock_(std::move(clock)), version_(version) {}
  Pool& pool() { return pool_; }

  int schema_version() const override { return version_; }

  Result<IngestResult> Ingest(const IngestRequest& r) override {
    auto db = pool_.Acquire();
    Tx tx(*db, true);
    if (!tx.ok()) return tx.error();
    auto res = IngestIn(*db, r);
    if (!res.ok() || !res.value().created) return res;  // nothing to commit
    Status s = tx.Commit();
    if (!s.ok()) return s.errors();
    return res;
  }

  std::vector<Result<IngestResult>> IngestBatch(const std::vector<IngestRequest>& batch) override {
    {
      auto db = pool_.Acquire();
      Tx tx(*db, true);
      if (tx.ok()) {
        std::vector<Result<IngestResult>> out;
        out.reserve(batch.size());
        bool all_ok = true;
        for (const auto& one : batch) {
          auto r = IngestIn(*db, one);
          if (!r.ok()) {
            all_ok = false;
            break;
          }
          out.push_back(std::move(r));
        }
        if (all_ok && tx.Commit().ok()) return out;
      }
    }  // rolled back: nothing of the batch is stored
    // One by one, so a failing comment names itself and the rest are stored.
    return Store::IngestBatch(batch);
  }

  // The body of Ingest(), inside the caller's write transaction. Persists
  // the policy's Disposition; decides nothing.
  Result<IngestResult> IngestIn(Db& dbr, const IngestRequest& r) {
    const NewComment& c = r.comment;
    const StoredVerdict& v = r.verdict;
    const Disposition& d = r.disposition;
    Db* db = &dbr;
    IngestResult res;
    {
      AASR_PREPARE(find, *db, "SELECT id, (SELECT id FROM items WHERE comment_id = comments.id) "
                              "FROM comments WHERE platform = ? AND remote_id = ?");
      find.Bind(1, c.platform).Bind(2, c.remote_id);
      if (find.Step()) {
        res.comment_id = find.Int(0);
        res.item_id = find.IsNull(1) ? 0 : find.Int(1);
        return res;  // already stored: idempotent, nothing changes
      }
    }
    int64_t now = clock_->NowMs();
    int64_t received = c.received_ms ? c.received_ms : now;
    {
      AASR_PREPARE(ins, *db,
                   "INSERT INTO comments(platform, account, remote_id, parent, parent_text, "
                   "author_id, author_handle, author_age_days, author_followers, "
                   "author_first_comment, text, received_ms, root) VALUES(?,?,?,?,?,?,?,?,?,?,?,?,?)");
      ins.Bind(1, c.platform).Bind(2, c.account).Bind(3, c.remote_id).Bind(4, c.parent);
      ins.Bind(5, c.parent_text).Bind(6, c.author_id).Bind(7, c.author_handle);
      ins.Bind(8, c.author_account_age_days).Bind(9, c.author_followers);
      if (c.author_first_comment) ins.Bind(10, *c.author_first_comment ? 1 : 0);
      else ins.BindNull(10);
      ins.Bind(11, c.text).Bind(12, received).Bind(13, c.root);
      AASR_RUN(ins);
      res.comment_id = db->LastInsertId();
      res.created = true;
    }
    {
      AASR_PREPARE(ins, *db, "INSERT INTO verdicts VALUES(?,?,?,?,?)");
      json cats = v.categories;
      ins.Bind(1, res.comment_id).Bind(2, v.action).Bind(3, v.priority).Bind(4, cats.dump());
      ins.Bind(5, v.explanation);
      AASR_RUN(ins);
    }
    for (const auto& m : v.matches) {
      AASR_PREPARE(ins, *db,
                   "INSERT INTO matches(comment_id, rule_id, category, description, action, "
                   "priority, spans) VALUES(?,?,?,?,?,?,?)");
      ins.Bind(1, res.comment_id).Bind(2, m.rule_id).Bind(3, m.category).Bind(4, m.description);
      ins.Bind(5, m.action).Bind(6, m.priority).Bind(7, SpansJson(m.spans));
      AASR_RUN(ins);
    }
    if (d.queue) {
      {
        AASR_PREPARE(ins, *db,
                     "INSERT INTO items(comment_id, state, priority, crisis, created_ms, "
                     "updated_ms) VALUES(?, 'pending', ?, ?, ?, ?)");
        ins.Bind(1, res.comment_id).Bind(2, v.priority).Bind(3, d.crisis ? 1 : 0);
        ins.Bind(4, now).Bind(5, now);
        AASR_RUN(ins);
        res.item_id = db->LastInsertId();
      }
      for (auto& cat : v.categories) {
        AASR_PREPARE(ins, *db, "INSERT OR IGNORE INTO item_categories VALUES(?, ?)");
        ins.Bind(1, res.item_id).Bind(2, cat);
        AASR_RUN(ins);
      }
      auto audit = InsertAudit(*db, {0, res.item_id, "system", now, "queued", "", "pending", d.note, 0});
      if (!audit.ok()) return audit.errors();
      if (!d.at_once.empty()) {
        Status s = InsertAction(*db, res.item_id, audit.value(), d.at_once, now);
        if (!s.ok()) return s.errors();
        res.action_id = db->LastInsertId();
        Status h = RecomputeHidden(*db, res.item_id);
        if (!h.ok()) return h.errors();
      }
    }
    return res;
  }

  Result<std::optional<Item>> GetItem(int64_t id) override {
    auto db = pool_.Acquire();
    return LoadItem(*db, id);
  }

  Result<std::optional<StoredComment>> GetComment(int64_t id) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "SELECT id, platform, account, remote_id, parent, parent_text, author_id, "
                 "author_handle, author_age_days, author_followers, author_first_comment, text, "
                 "received_ms, root FROM comments WHERE id = ?");
    st.Bind(1, id);
    Error e;
    if (!st.Step(&e)) {
      if (!e.message.empty()) return e;
      return std::optional<StoredComment>();
    }
    return std::optional<StoredComment>(ReadComment(st));
  }

  Result<std::optional<StoredVerdict>> GetVerdict(int64_t comment_id) override {
    auto db = pool_.Acquire();
    StoredVerdict v;
    {
      AASR_PREPARE(st, *db,
                   "SELECT action, priority, categories, explanation FROM verdicts "
                   "WHERE comment_id = ?");
      st.Bind(1, comment_id);
      if (!st.Step()) return std::optional<StoredVerdict>();
      v.action = st.Text(0);
      v.priority = static_cast<int>(st.Int(1));
      json cats = json::parse(st.Text(2), nullptr, false);
      if (cats.is_array())
        for (auto& c : cats) v.categories.push_back(c.get<std::string>());
      v.explanation = st.Text(3);
    }
    AASR_PREPARE(st, *db,
                 "SELECT rule_id, category, description, action, priority, spans FROM matches "
                 "WHERE comment_id = ? ORDER BY id");
    st.Bind(1, comment_id);
    while (st.Step()) {
      StoredMatch m;
      m.rule_id = st.Text(0);
      m.category = st.Text(1);
      m.description = st.Text(2);
      m.action = st.Text(3);
      m.priority = static_cast<int>(st.Int(4));
      m.spans = ParseSpans(st.Text(5));
      v.matches.push_back(std::move(m));
    }
    return std::optional<StoredVerdict>(std::move(v));
  }

  Result<QueuePage> ListQueue(const QueueFilter& f) override {
    auto db = pool_.Acquire();
    std::vector<ItemState> states = f.states;
    if (states.empty()) states = {ItemState::kPending, ItemState::kEscalated};
    std::vector<ItemState> sorted = states;
    std::sort(sorted.begin(), sorted.end());
    // Without statistics SQLite prefers the (state, ...) index and sorts every
    // open item; the partial index already holds them in queue order.
    bool open_queue = sorted == std::vector<ItemState>{ItemState::kPending, ItemState::kEscalated};
    std::string sql = std::string("SELECT ") + kItemColumns + " FROM items i " +
                      (open_queue ? "INDEXED BY items_open_queue " : "") +
                      "JOIN comments c ON c.id = i.comment_id WHERE i.state IN (";
    // States are inlined (they come from the enum, never from the request) so
    // that the open queue matches the partial index items_open_queue.
    for (size_t k = 0; k < states.size(); ++k)
      sql += std::string(k ? ",'" : "'") + StateName(states[k]) + "'";
    sql += ")";
    if (!f.category.empty())
      sql += " AND EXISTS(SELECT 1 FROM item_categories ic WHERE ic.item_id = i.id AND "
             "ic.category = :category)";
    if (!f.platform.empty()) sql += " AND c.platform = :platform";
    if (!f.account.empty()) sql += " AND c.account = :account";
    if (f.priority) sql += " AND i.priority = :priority";
    if (!f.q.empty())
      sql += " AND (instr(lower(c.text), lower(:q)) > 0 OR instr(lower(c.author_handle), "
             "lower(:q)) > 0)";
    // Keyset paging on the sort order: crisis first, then priority, then the
    // oldest; a cursor is the last row's key, so pages never skip or repeat.
    int64_t cc = 0, cp = 0, ct = 0, ci = 0;
    bool has_cursor = false;
    if (!f.cursor.empty()) {
      char dot;
      std::istringstream in(f.cursor);
      if (!(in >> cc >> dot >> cp >> dot >> ct >> dot >> ci))
        return Error{{"", 0, 0}, "cursor", "malformed cursor '" + f.cursor + "'"};
      has_cursor = true;
      sql += " AND (-i.crisis, -i.priority, i.created_ms, i.id) > (:cc, :cp, :ct, :ci)";
    }
    sql += " ORDER BY i.crisis DESC, i.priority DESC, i.created_ms, i.id LIMIT :limit";
    AASR_PREPARE(st, *db, sql);
    auto bind = [&](const char* name, auto v) {
      int i = st.ParamIndex(name);
      if (i > 0) st.Bind(i, v);
    };
    bind(":category", f.category);
    bind(":platform", f.platform);
    bind(":account", f.account);
    if (f.priority) bind(":priority", *f.priority);
    bind(":q", f.q);
    if (has_cursor) {
      bind(":cc", cc);
      bind(":cp", cp);
      bind(":ct", ct);
      bind(":ci", ci);
    }
    int limit = f.limit <= 0 ? 50 : std::min(f.limit, 500);
    bind(":limit", limit + 1);
    QueuePage page;
    Error e;
    while (st.Step(&e)) page.items.push_back(ReadItem(st));
    if (!e.message.empty()) return e;
    if (static_cast<int>(page.items.size()) > limit) {
      page.items.pop_back();
      const Item& last = page.items.back();
      page.next_cursor = std::to_string(-int(last.crisis)) + "." + std::to_string(-last.priority) +
                         "." + std::to_string(last.created_ms) + "." + std::to_string(last.id);
    }
    return page;
  }

  Result<std::vector<AuthorHistoryEntry>> AuthorHistory(const std::string& platform,
                                                        const std::string& handle,
                                                        int64_t exclude_item,
                                                        int limit) override {
    auto db = pool_.Acquire();
    std::vector<AuthorHistoryEntry> out;
    if (handle.empty()) return out;
    AASR_PREPARE(st, *db,
                 std::string("SELECT ") + kItemColumns +
                     ", (SELECT action || char(31) || actor || char(31) || at_ms FROM audit a "
                     "WHERE a.item_id = i.id AND a.action IN ('approve','remove','escalate','undo') "
                     "ORDER BY a.id DESC LIMIT 1) "
                     "FROM items i JOIN comments c ON c.id = i.comment_id "
                     "WHERE c.platform = ? AND c.author_handle = ? AND i.id != ? "
                     "ORDER BY c.received_ms DESC, i.id DESC LIMIT ?");
    st.Bind(1, platform).Bind(2, handle).Bind(3, exclude_item).Bind(4, limit);
    while (st.Step()) {
      AuthorHistoryEntry h;
      h.item = ReadItem(st);
      std::string last = st.Text(17);
      size_t a = last.find('\x1f'), b = last.rfind('\x1f');
      if (a != std::string::npos && b != a) {
        h.last_decision = last.substr(0, a);
        h.last_actor = last.substr(a + 1, b - a - 1);
        h.last_at_ms = std::stoll(last.substr(b + 1));
      }
      out.push_back(std::move(h));
    }
    return out;
  }

  Status ForEachComment(
      int64_t since_ms,
      const std::function<bool(const StoredComment&, const std::optional<Item>&)>& fn) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "SELECT id, platform, account, remote_id, parent, parent_text, author_id, "
                 "author_handle, author_age_days, author_followers, author_first_comment, text, "
                 "received_ms, root, (SELECT id FROM items WHERE comment_id = comments.id) "
                 // text = '': blanked by retention or an erasure (lifecycle.h)
                 "FROM comments WHERE received_ms >= ? AND text != '' ORDER BY received_ms, id");
    st.Bind(1, since_ms);
    Error e;
    while (st.Step(&e)) {
      StoredComment c = ReadComment(st);
      std::optional<Item> item;
      if (!st.IsNull(14)) {
        auto it = LoadItem(*db, st.Int(14));
        if (!it.ok()) return it.errors();
        item = it.value();
      }
      if (!fn(c, item)) break;
    }
    if (!e.message.empty()) return e;
    return Ok{};
  }

  Result<Outcome> Claim(int64_t item_id, const std::string& user, int64_t ttl_ms) override {
    auto db = pool_.Acquire();
    Tx tx(*db, true);
    if (!tx.ok()) return tx.error();
    auto loaded = LoadItem(*db, item_id);
    if (!loaded.ok()) return loaded.errors();
    Outcome out;
    if (!loaded.value()) return Refuse(Code::kNotFound, "no item " + std::to_string(item_id));
    Item it = *loaded.value();
    int64_t now = clock_->NowMs();
    if (it.state == ItemState::kApproved || it.state == ItemState::kRemoved) {
      out.code = Code::kConflict;
      out.message = "item already " + std::string(StateName(it.state));
      out.by = LastDecision(*db, item_id);
      out.item = it;
      return out;
    }
    if (!it.claimed_by.empty() && it.claimed_by != user && it.claim_expires_ms > now) {
      out.code = Code::kConflict;
      out.message = "claimed by " + it.claimed_by;
      out.item = it;
      return out;
    }
    {
      AASR_PREPARE(up, *db,
                   "UPDATE items SET claimed_by = ?, claim_expires_ms = ? WHERE id = ?");
      up.Bind(1, user).Bind(2, now + ttl_ms).Bind(3, item_id);
      AASR_RUN(up);
    }
    // A page renews its claim every minute or so: only a new claim is news.
    const bool renewal = it.claimed_by == user && it.claim_expires_ms > now;
    if (!renewal) {
      auto audit = InsertAudit(*db, {0, item_id, user, now, "claim", StateName(it.state),
                                     StateName(it.state), "", 0});
      if (!audit.ok()) return audit.errors();
      out.audit_id = audit.value();
    }
    Status s = tx.Commit();
    if (!s.ok()) return s.errors();
    auto after = GetItemIn(*db, item_id);
    if (!after.ok()) return after.errors();
    out.item = after.value();
    return out;
  }

  Result<Outcome> ReleaseClaim(int64_t item_id, const std::string& user) override {
    auto db = pool_.Acquire();
    {
      AASR_PREPARE(up, *db,
                   "UPDATE items SET claimed_by = '', claim_expires_ms = 0 "
                   "WHERE id = ? AND claimed_by = ?");
      up.Bind(1, item_id).Bind(2, user);
      AASR_RUN(up);
    }
    auto after = LoadItem(*db, item_id);
    if (!after.ok()) return after.errors();
    if (!after.value()) return Refuse(Code::kNotFound, "no item " + std::to_string(item_id));
    Outcome out;
    out.item = *after.value();
    return out;
  }

  Result<Outcome> Reopen(const ReopenRequest& r) override {
    auto db = pool_.Acquire();
    Tx tx(*db, true);
    if (!tx.ok()) return tx.error();
    auto loaded = LoadItem(*db, r.item_id);
    if (!loaded.ok()) return loaded.errors();
    if (!loaded.value()) return Refuse(Code::kNotFound, "no item " + std::to_string(r.item_id));
    Item it = *loaded.value();
    Outcome out;
    out.item = it;
    std::optional<AuditEntry> last = LastDecision(*db, r.item_id);
    if ((it.state != ItemState::kApproved && it.state != ItemState::kRemoved) || !last) {
      out.code = Code::kInvalid;
      out.message = "item is " + std::string(StateName(it.state)) + ", not decided";
      return out;
    }
    const int64_t now = clock_->NowMs();
    const std::string to = last->from_state == "escalated" ? "escalated" : "pending";
    auto audit = InsertAudit(*db, {0, r.item_id, r.user, now, "reopen", StateName(it.state), to,
                                   r.note.empty() ? "reopen " + last->action : r.note, last->id});
    if (!audit.ok()) return audit.errors();
    // What the decision asked of the platform and was never done is simply
    // dropped; what was done is reversed by the policy's actions below.
    {
      AASR_PREPARE(up, *db,
                   "UPDATE platform_actions SET state = 'cancelled', updated_ms = ? "
                   "WHERE audit_id = ? AND (state = 'pending' OR state = 'failed')");
      up.Bind(1, now).Bind(2, last->id);
      AASR_RUN(up);
    }
    Status h = RecomputeHidden(*db, r.item_id);
    if (!h.ok()) return h.errors();
    auto mid = LoadItem(*db, r.item_id);
    if (!mid.ok()) return mid.errors();
    const bool hidden = mid.value() && mid.value()->hidden;
    for (const std::string& kind : hidden ? r.actions.if_hidden : r.actions.if_visible) {
      Status s = InsertAction(*db, r.item_id, audit.value(), kind, now);
      if (!s.ok()) return s.errors();
    }
    {
      AASR_PREPARE(up, *db,
                   "UPDATE items SET state = ?, version = version + 1, updated_ms = ?, "
                   "claimed_by = '', claim_expires_ms = 0 WHERE id = ?");
      up.Bind(1, to).Bind(2, now).Bind(3, r.item_id);
      AASR_RUN(up);
    }
    h = RecomputeHidden(*db, r.item_id);
    if (!h.ok()) return h.errors();
    Status s = tx.Commit();
    if (!s.ok()) return s.errors();
    out.audit_id = audit.value();
    auto after = GetItemIn(*db, r.item_id);
    if (!after.ok()) return after.errors();
    out.item = after.value();
    return out;
  }

  Result<Outcome> Decide(const DecideRequest& r) override {
    ItemState to;
    if (r.decision == "approve") to = ItemState::kApproved;
    else if (r.decision == "remove") to = ItemState::kRemoved;
    else if (r.decision == "escalate") to = ItemState::kEscalated;
    else
      return Refuse(Code::kInvalid,
                     "unknown decision '" + r.decision + "' (expected approve, remove or escalate)");
    auto db = pool_.Acquire();
    Tx tx(*db, true);
    if (!tx.ok()) return tx.error();
    auto loaded = LoadItem(*db, r.item_id);
    if (!loaded.ok()) return loaded.errors();
    if (!loaded.value()) return Refuse(Code::kNotFound, "no item " + std::to_string(r.item_id));
    Item it = *loaded.value();
    int64_t now = clock_->NowMs();
    Outcome out;
    out.item = it;
    bool final_state = it.state == ItemState::kApproved || it.state == ItemState::kRemoved;
    if (final_state || (r.expected_version && *r.expected_version != it.version)) {
      out.code = Code::kConflict;
      out.by = LastDecision(*db, r.item_id);
      out.message = out.by ? "already decided: " + out.by->action + " by " + out.by->actor
                           : "the item changed meanwhile";
      return out;
    }
    if (!it.claimed_by.empty() && it.claimed_by != r.user && it.claim_expires_ms > now) {
      out.code = Code::kConflict;
      out.message = "claimed by " + it.claimed_by;
      return out;
    }
    if (to == it.state) {
      out.code = Code::kInvalid;
      out.message = "item is already " + std::string(StateName(it.state));
      return out;
    }
    {
      AASR_PREPARE(up, *db,
                   "UPDATE items SET state = ?, version = version + 1, updated_ms = ?, "
                   "claimed_by = '', claim_expires_ms = 0 WHERE id = ? AND version = ?");
      up.Bind(1, StateName(to)).Bind(2, now).Bind(3, r.item_id).Bind(4, it.version);
      AASR_RUN(up);
      if (db->Changes() != 1) {
        out.code = Code::kConflict;
        out.by = LastDecision(*db, r.item_id);
        out.message = "the item changed meanwhile";
        return out;
      }
    }
    auto audit = InsertAudit(*db, {0, r.item_id, r.user, now, r.decision, StateName(it.state),
                                   StateName(to), r.note, 0});
    if (!audit.ok()) return audit.errors();
    // The policy's actions for the item as it is inside this transaction.
    for (const std::string& kind : it.hidden ? r.actions.if_hidden : r.actions.if_visible) {
      Status s = InsertAction(*db, r.item_id, audit.value(), kind, now);
      if (!s.ok()) return s.errors();
    }
    Status h = RecomputeHidden(*db, r.item_id);
    if (!h.ok()) return h.errors();
    Status s = tx.Commit();
    if (!s.ok()) return s.errors();
    out.audit_id = audit.value();
    auto after = GetItemIn(*db, r.item_id);
    if (!after.ok()) return after.errors();
    out.item = after.value();
    return out;
  }

  Result<Outcome> Undo(int64_t item_id, const std::string& user, bool is_admin,
                       int64_t window_ms) override {
    auto db = pool_.Acquire();
    Tx tx(*db, true);
    if (!tx.ok()) return tx.error();
    auto loaded = LoadItem(*db, item_id);
    if (!loaded.ok()) return loaded.errors();
    if (!loaded.value()) return Refuse(Code::kNotFound, "no item " + std::to_string(item_id));
    Item it = *loaded.value();
    Outcome out;
    out.item = it;
    std::optional<AuditEntry> last = LastDecision(*db, item_id);
    if (!last || last->action == "undo" || last->action == "reopen") {
      out.code = Code::kInvalid;
      out.message = "nothing to undo";
      return out;
    }
    int64_t now = clock_->NowMs();
    if (now - last->at_ms > window_ms) {
      out.code = Code::kTooLate;
      out.by = last;
      out.message = "the decision is older than " + std::to_string(window_ms / 60000) +
                    " minutes and can no longer be undone";
      return out;
    }
    if (last->actor != user && !is_admin) {
      out.code = Code::kForbidden;
      out.by = last;
      out.message = "only " + last->actor + " or an admin can undo this decision";
      return out;
    }
    // Revert the platform actions the decision asked for.
    std::vector<PlatformAction> acts;
    {
      AASR_PREPARE(st, *db, std::string("SELECT ") + kActionColumns +
                                " FROM platform_actions a JOIN items i ON i.id = a.item_id "
                                "JOIN comments c ON c.id = i.comment_id WHERE a.audit_id = ?");
      st.Bind(1, last->id);
      while (st.Step()) acts.push_back(ReadAction(st));
    }
    for (auto& a : acts) {
      if (a.state == "done" && a.kind == "delete") {
        out.code = Code::kConflict;
        out.by = last;
        out.message = "the comment was already deleted on " + a.platform +
                      "; the decision cannot be undone";
        return out;
      }
    }
    auto undo_audit = InsertAudit(*db, {0, item_id, user, now, "undo", last->to_state,
                                        last->from_state, "undo " + last->action, last->id});
    if (!undo_audit.ok()) return undo_audit.errors();
    for (auto& a : acts) {
      if (a.state == "pending" || a.state == "failed") {
        AASR_PREPARE(up, *db,
                     "UPDATE platform_actions SET state = 'cancelled', updated_ms = ? WHERE id = ?");
        up.Bind(1, now).Bind(2, a.id);
        AASR_RUN(up);
      } else if (a.state == "done" && (a.kind == "hide" || a.kind == "unhide")) {
        Status s = InsertAction(*db, item_id, undo_audit.value(),
                                a.kind == "hide" ? "unhide" : "hide", now);
        if (!s.ok()) return s.errors();
      }
    }
    {
      AASR_PREPARE(up, *db,
                   "UPDATE items SET state = ?, version = version + 1, updated_ms = ? WHERE id = ?");
      up.Bind(1, last->from_state).Bind(2, now).Bind(3, item_id);
      AASR_RUN(up);
    }
    Status h = RecomputeHidden(*db, item_id);
    if (!h.ok()) return h.errors();
    Status s = tx.Commit();
    if (!s.ok()) return s.errors();
    out.audit_id = undo_audit.value();
    auto after = GetItemIn(*db, item_id);
    if (!after.ok()) return after.errors();
    out.item = after.value();
    return out;
  }

  Result<std::vector<AuditEntry>> Audit(const AuditFilter& f) override {
    auto db = pool_.Acquire();
    std::string sql = std::string("SELECT ") + kAuditColumns + " FROM audit WHERE 1";
    if (f.item_id) sql += " AND item_id = :item";
    if (!f.actor.empty()) sql += " AND actor = :actor";
    if (f.before_id) sql += " AND id < :before";
    sql += " ORDER BY id DESC LIMIT :limit";
    AASR_PREPARE(st, *db, sql);
    auto bind = [&](const char* name, auto v) {
      int i = st.ParamIndex(name);
      if (i > 0) st.Bind(i, v);
    };
    bind(":item", f.item_id);
    bind(":actor", f.actor);
    bind(":before", f.before_id);
    bind(":limit", f.limit <= 0 ? 100 : std::min(f.limit, 1000));
    std::vector<AuditEntry> out;
    while (st.Step()) out.push_back(ReadAudit(st));
    return out;
  }

  Status AppendAudit(const AuditEntry& e) override {
    auto db = pool_.Acquire();
    AuditEntry a = e;
    if (!a.at_ms) a.at_ms = clock_->NowMs();
    auto r = InsertAudit(*db, a);
    if (!r.ok()) return r.errors();
    return Ok{};
  }

  Result<std::vector<PlatformAction>> PendingActions(const ActionFilter& f) override {
    auto db = pool_.Acquire();
    // CROSS JOIN fixes the join order: start from the few due actions
    // (platform_actions_state index). With a plain JOIN the planner chose to
    // walk every comment of the platform (comments_author index), which made
    // this every-2-seconds query grow with the whole comment history (14 ms
    // at 10,000 comments: most of the idle daemon's CPU).
    std::string sql = std::string("SELECT ") + kActionColumns +
                      " FROM platform_actions a CROSS JOIN items i ON i.id = a.item_id "
                      "CROSS JOIN comments c ON c.id = i.comment_id "
                      "WHERE (a.state = 'pending' OR (a.state = 'failed' AND a.retry_at_ms > 0 "
                      "AND a.retry_at_ms <= :now))";
    if (!f.account.empty()) sql += " AND c.account = :account";
    if (!f.platform.empty()) sql += " AND c.platform = :platform";
    sql += " ORDER BY a.id LIMIT :limit";
    AASR_PREPARE(st, *db, sql);
    auto bind = [&](const char* name, auto v) {
      int i = st.ParamIndex(name);
      if (i > 0) st.Bind(i, v);
    };
    bind(":now", f.now_ms ? f.now_ms : clock_->NowMs());
    bind(":account", f.account);
    bind(":platform", f.platform);
    bind(":limit", f.limit <= 0 ? 100 : std::min(f.limit, 1000));
    std::vector<PlatformAction> out;
    while (st.Step()) out.push_back(ReadAction(st));
    return out;
  }

  Result<std::vector<PlatformAction>> ActionsForItem(int64_t item_id) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db, std::string("SELECT ") + kActionColumns +
                              " FROM platform_actions a JOIN items i ON i.id = a.item_id "
                              "JOIN comments c ON c.id = i.comment_id "
                              "WHERE a.item_id = ? ORDER BY a.id");
    st.Bind(1, item_id);
    std::vector<PlatformAction> out;
    while (st.Step()) out.push_back(ReadAction(st));
    return out;
  }

  Status MarkActionDone(int64_t id) override {
    auto db = pool_.Acquire();
    Tx tx(*db, true);
    if (!tx.ok()) return tx.error();
    {
      AASR_PREPARE(st, *db,
                   "UPDATE platform_actions SET state = 'done', attempts = attempts + 1, "
                   "last_error = '', updated_ms = ? WHERE id = ?");
      st.Bind(1, clock_->NowMs()).Bind(2, id);
      AASR_RUN(st);
      if (db->Changes() != 1)
        return Error{{db->path(), 0, 0}, "action " + std::to_string(id), "no such platform action"};
    }
    Status a = AuditActionOutcome(*db, id, "carried out on the platform");
    if (!a.ok()) return a;
    return tx.Commit();
  }

  Status MarkActionFailed(int64_t id, const std::string& error, int64_t retry_at_ms) override {
    auto db = pool_.Acquire();
    Tx tx(*db, true);
    if (!tx.ok()) return tx.error();
    int64_t item_id = 0;
    {
      AASR_PREPARE(st, *db, "SELECT item_id FROM platform_actions WHERE id = ?");
      st.Bind(1, id);
      if (!st.Step())
        return Error{{db->path(), 0, 0}, "action " + std::to_string(id), "no such platform action"};
      item_id = st.Int(0);
    }
    {
      AASR_PREPARE(st, *db,
                   "UPDATE platform_actions SET state = 'failed', attempts = attempts + 1, "
                   "last_error = ?, retry_at_ms = ?, updated_ms = ? WHERE id = ?");
      st.Bind(1, error).Bind(2, retry_at_ms < 0 ? 0 : retry_at_ms).Bind(3, clock_->NowMs());
      st.Bind(4, id);
      AASR_RUN(st);
    }
    // A hide given up on no longer makes the item count as hidden.
    Status h = RecomputeHidden(*db, item_id);
    if (!h.ok()) return h.errors();
    if (retry_at_ms <= 0) {  // final: the platform refused or the retries ran out
      Status a = AuditActionOutcome(*db, id, "not carried out: " + error);
      if (!a.ok()) return a;
    }
    return tx.Commit();
  }

  Result<std::map<std::string, int64_t>> CountItemsByState() override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db, "SELECT state, COUNT(*) FROM items GROUP BY state");
    std::map<std::string, int64_t> out;
    while (st.Step()) out[st.Text(0)] = st.Int(1);
    return out;
  }

  Status CheckWritable() override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "INSERT INTO cursors VALUES('health', 'heartbeat', ?, ?) ON CONFLICT(scope, key) DO UPDATE SET "
                 "value = excluded.value, updated_ms = excluded.updated_ms");
    const int64_t now = clock_->NowMs();
    st.Bind(1, std::to_string(now)).Bind(2, now);
    // A health check answers within a monitor's timeout: a database locked
    // for 2 s is reported as such rather than waited on for the usual 10 s.
    sqlite3_busy_timeout(db->raw(), 2000);
    Error err;
    const bool ran = st.Run(&err);
    sqlite3_busy_timeout(db->raw(), sql::kBusyTimeoutMs);
    if (!ran) return err;
    return Ok{};
  }

  Result<DatabaseSize> Size() override {
    auto db = pool_.Acquire();
    DatabaseSize out;
    AASR_PREPARE(st, *db,
                 "SELECT (SELECT page_count FROM pragma_page_count()) * (SELECT page_size FROM pragma_page_size()), "
                 "(SELECT freelist_count FROM pragma_freelist_count()) * (SELECT page_size FROM pragma_page_size())");
    Error e;
    if (!st.Step(&e)) return e.message.empty() ? Error{{db->path()}, "size", "no answer", ErrorCode::kIo} : e;
    out.bytes = st.Int(0);
    out.free_bytes = st.Int(1);
    return out;
  }

  Result<int64_t> OldestOpenItemMs() override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "SELECT COALESCE(MIN(c.received_ms), 0) FROM items i JOIN comments c ON c.id = i.comment_id "
                 "WHERE i.state IN ('pending', 'escalated')");
    Error e;
    if (!st.Step(&e)) return e.message.empty() ? Result<int64_t>(int64_t{0}) : Result<int64_t>(e);
    return st.Int(0);
  }

  Result<std::vector<CategoryDay>> CategoriesPerDay(int64_t since_ms) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "SELECT strftime('%Y-%m-%d', c.received_ms / 1000, 'unixepoch') AS day, "
                 "ic.category, COUNT(*) FROM item_categories ic JOIN items i ON i.id = ic.item_id "
                 "JOIN comments c ON c.id = i.comment_id WHERE c.received_ms >= ? "
                 "GROUP BY day, ic.category ORDER BY day, ic.category");
    st.Bind(1, since_ms);
    std::vector<CategoryDay> out;
    while (st.Step()) out.push_back({st.Text(0), st.Text(1), st.Int(2)});
    return out;
  }

  Result<std::vector<RuleStats>> RuleStatistics(int64_t since_ms) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "SELECT m.rule_id, min(m.category), COUNT(*), "
                 "COALESCE(SUM(i.state = 'approved'), 0), COALESCE(SUM(i.state = 'removed'), 0), "
                 "COALESCE(SUM(i.state IN ('pending','escalated')), 0) "
                 "FROM matches m JOIN comments c ON c.id = m.comment_id "
                 "LEFT JOIN items i ON i.comment_id = m.comment_id "
                 "WHERE c.received_ms >= ? GROUP BY m.rule_id ORDER BY COUNT(*) DESC, m.rule_id");
    st.Bind(1, since_ms);
    std::vector<RuleStats> out;
    while (st.Step())
      out.push_back({st.Text(0), st.Text(1), st.Int(2), st.Int(3), st.Int(4), st.Int(5)});
    return out;
  }

  Status PutModerator(const Moderator& m) override {
    auto db = pool_.Acquire();
    Tx tx(*db, true);
    if (!tx.ok()) return tx.error();
    std::string old_hash;
    bool existed = false;
    {
      AASR_PREPARE(st, *db, "SELECT password_hash FROM moderators WHERE name = ?");
      st.Bind(1, m.name);
      if (st.Step()) {
        existed = true;
        old_hash = st.Text(0);
      }
    }
    {
      AASR_PREPARE(st, *db,
                   "INSERT INTO moderators(name, role, password_hash, disabled, created_ms) "
                   "VALUES(?,?,?,?,?) ON CONFLICT(name) DO UPDATE SET role = excluded.role, "
                   "password_hash = excluded.password_hash, disabled = excluded.disabled");
      st.Bind(1, m.name).Bind(2, m.role).Bind(3, m.password_hash).Bind(4, m.disabled ? 1 : 0);
      st.Bind(5, m.created_ms ? m.created_ms : clock_->NowMs());
      AASR_RUN(st);
    }
    // Whoever knew the old password (or the disabled user) is logged out.
    if (existed && (old_hash != m.password_hash || m.disabled)) {
      AASR_PREPARE(st, *db, "DELETE FROM sessions WHERE user = ?");
      st.Bind(1, m.name);
      AASR_RUN(st);
    }
    return tx.Commit();
  }

  Result<std::optional<Moderator>> GetModerator(const std::string& name) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "SELECT id, name, role, password_hash, disabled, created_ms FROM moderators "
                 "WHERE name = ?");
    st.Bind(1, name);
    if (!st.Step()) return std::optional<Moderator>();
    return std::optional<Moderator>(ReadModerator(st));
  }

  Result<std::vector<Moderator>> ListModerators() override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "SELECT id, name, role, password_hash, disabled, created_ms FROM moderators "
                 "ORDER BY name");
    std::vector<Moderator> out;
    while (st.Step()) out.push_back(ReadModerator(st));
    return out;
  }

  Status PutSession(const Session& s) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db, "INSERT OR REPLACE INTO sessions VALUES(?,?,?,?,?)");
    st.Bind(1, s.token_hash).Bind(2, s.user).Bind(3, s.csrf);
    st.Bind(4, s.created_ms ? s.created_ms : clock_->NowMs()).Bind(5, s.expires_ms);
    AASR_RUN(st);
    return Ok{};
  }

  Result<std::optional<Session>> GetSession(const std::string& token_hash) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "SELECT s.token_hash, s.user, m.role, s.csrf, s.created_ms, s.expires_ms "
                 "FROM sessions s JOIN moderators m ON m.name = s.user "
                 "WHERE s.token_hash = ? AND s.expires_ms > ? AND m.disabled = 0");
    st.Bind(1, token_hash).Bind(2, clock_->NowMs());
    if (!st.Step()) return std::optional<Session>();
    Session s{st.Text(0), st.Text(1), st.Text(2), st.Text(3), st.Int(4), st.Int(5)};
    return std::optional<Session>(std::move(s));
  }

  Status DeleteSession(const std::string& token_hash) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db, "DELETE FROM sessions WHERE token_hash = ? OR expires_ms <= ?");
    st.Bind(1, token_hash).Bind(2, clock_->NowMs());
    AASR_RUN(st);
    return Ok{};
  }

  Result<int> DeleteSessionsOf(const std::string& user) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db, "DELETE FROM sessions WHERE user = ?");
    st.Bind(1, user);
    AASR_RUN(st);
    return static_cast<int>(db->Changes());
  }

  Result<std::optional<std::string>> GetCursor(const std::string& scope,
                                               const std::string& key) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db, "SELECT value FROM cursors WHERE scope = ? AND key = ?");
    st.Bind(1, scope).Bind(2, key);
    if (!st.Step()) return std::optional<std::string>();
    return std::optional<std::string>(st.Text(0));
  }

  Status PutCursor(const std::string& scope, const std::string& key,
                   const std::string& value) override {
    auto db = pool_.Acquire();
    AASR_PREPARE(st, *db,
                 "INSERT INTO cursors VALUES(?,?,?,?) ON CONFLICT(scope, key) DO UPDATE SET "
                 "value = excluded.value, updated_ms = excluded.updated_ms");
    st.Bind(1, scope).Bind(2, key).Bind(3, value).Bind(4, clock_->NowMs());
    AASR_RUN(st);
    return Ok{};
  }

 private:
  static StoredComment ReadComment(const Stmt& st) {
    StoredComment c;
    c.id = st.Int(0);
    c.platform = st.Text(1);
    c.account = st.Text(2);
    c.remote_id = st.Text(3);
    c.parent = st.Text(4);
    c.parent_text = st.Text(5);
    c.author_id = st.Text(6);
    c.author_handle = st.Text(7);
    c.author_account_age_days = st.OptDouble(8);
    c.author_followers = st.OptDouble(9);
    if (!st.IsNull(10)) c.author_first_comment = st.Int(10) != 0;
    c.text = st.Text(11);
    c.received_ms = st.Int(12);
    c.root = st.Text(13);
    return c;
  }

  static Moderator ReadModerator(const Stmt& st) {
    Moderator m;
    m.id = st.Int(0);
    m.name = st.Text(1);
    m.role = st.Text(2);
    m.password_hash = st.Text(3);
    m.disabled = st.Int(4) != 0;
    m.created_ms = st.Int(5);
    return m;
  }

  Result<std::optional<Item>> LoadItem(Db& db, int64_t id) {
    AASR_PREPARE(st, db, std::string("SELECT ") + kItemColumns +
                             " FROM items i JOIN comments c ON c.id = i.comment_id WHERE i.id = ?");
    st.Bind(1, id);
    Error e;
    if (!st.Step(&e)) {
      if (!e.message.empty()) return e;
      return std::optional<Item>();
    }
    return std::optional<Item>(ReadItem(st));
  }

  Result<Item> GetItemIn(Db& db, int64_t id) {
    auto r = LoadItem(db, id);
    if (!r.ok()) return r.errors();
    if (!r.value()) return Error{{db.path(), 0, 0}, "item", "item vanished"};
    return *r.value();
  }

  std::optional<AuditEntry> LastDecision(Db& db, int64_t item_id) {
    auto st = db.Prepare(std::string("SELECT ") + kAuditColumns +
                         " FROM audit WHERE item_id = ? AND action IN "
                         "('approve','remove','escalate','undo','reopen') ORDER BY id DESC LIMIT 1");
    if (!st.ok()) return std::nullopt;
    st.value()->Bind(1, item_id);
    if (!st.value()->Step()) return std::nullopt;
    return ReadAudit(*st.value());
  }

  Result<int64_t> InsertAudit(Db& db, const AuditEntry& a) {
    AASR_PREPARE(st, db,
                 "INSERT INTO audit(item_id, actor, at_ms, action, from_state, to_state, note, "
                 "undoes) VALUES(?,?,?,?,?,?,?,?)");
    st.Bind(1, a.item_id).Bind(2, a.actor).Bind(3, a.at_ms).Bind(4, a.action);
    st.Bind(5, a.from_state).Bind(6, a.to_state).Bind(7, a.note).Bind(8, a.undoes);
    AASR_RUN(st);
    return db.LastInsertId();
  }

  // The audit shows what reached the platform, not only what was asked for:
  // one row per platform action that is done or given up ("platform.hide",
  // "platform.unhide", ...), by "system", the item's state unchanged.
  Status AuditActionOutcome(Db& db, int64_t action_id, const std::string& note) {
    AASR_PREPARE(st, db,
                 "SELECT a.item_id, a.kind, i.state FROM platform_actions a JOIN items i ON i.id = a.item_id "
                 "WHERE a.id = ?");
    st.Bind(1, action_id);
    if (!st.Step()) return Ok{};
    const std::string state = st.Text(2);
    auto audit = InsertAudit(db, {0, st.Int(0), "system", clock_->NowMs(), "platform." + st.Text(1), state, state,
                                  note, 0});
    if (!audit.ok()) return audit.errors();
    return Ok{};
  }

  Status InsertAction(Db& db, int64_t item_id, int64_t audit_id, const std::string& kind,
                      int64_t now) {
    AASR_PREPARE(st, db,
                 "INSERT INTO platform_actions(item_id, audit_id, kind, state, created_ms, "
                 "updated_ms) VALUES(?,?,?,'pending',?,?)");
    st.Bind(1, item_id).Bind(2, audit_id).Bind(3, kind).Bind(4, now).Bind(5, now);
    AASR_RUN(st);
    return Ok{};
  }

  // An item is hidden when its latest live hide/unhide action is a hide
  // (live: neither cancelled nor finally failed).
  Status RecomputeHidden(Db& db, int64_t item_id) {
    AASR_PREPARE(st, db,
                 "UPDATE items SET hidden = COALESCE((SELECT kind = 'hide' FROM platform_actions "
                 "WHERE item_id = ?1 AND kind IN ('hide','unhide') AND state != 'cancelled' "
                 "AND NOT (state = 'failed' AND retry_at_ms = 0) "
                 "ORDER BY id DESC LIMIT 1), 0) WHERE id = ?1");
    st.Bind(1, item_id);
    AASR_RUN(st);
    return Ok{};
  }

  std::shared_ptr<const Clock> clock_;
  int version_;
  Pool pool_;
};

}  // namespace
}  // namespace aasr::store

namespace aasr::store {

Result<StorePtr> OpenSqliteStore(const std::string& path, std::shared_ptr<const Clock> clock,
                                 int pool_size) {
  if (!clock) clock = std::make_shared<SystemClock>();
  auto first = Db::Open(path);
  if (!first.ok()) return first.errors();
  auto version = Migrate(*first.value(), kSchemaVersion);
  if (!version.ok()) return version.errors();
  auto store = std::make_shared<SqliteStore>(clock, version.value());
  store->pool().Add(std::move(first).value());
  for (int i = 1; i < pool_size; ++i) {
    auto db = Db::Open(path);
    if (!db.ok()) return db.errors();
    store->pool().Add(std::move(db).value());
  }
  return StorePtr(store);
}

Status CreateSchemaAtVersion(const std::string& path, int version) {
  auto db = Db::Open(path);
  if (!db.ok()) return db.errors();
  auto v = Migrate(*db.value(), version);
  if (!v.ok()) return v.errors();
  return Ok{};
}

}  // namespace aasr::store
