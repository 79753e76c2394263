#include "bot/outreach/store.h"

#include <cstdio>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>
#include <sqlite3.h>

namespace aasr::outreach {
namespace {

// A prepared statement that finalizes itself. Bind indexes are 1-based.
class Stmt {
 public:
  Stmt(sqlite3* db, const char* sql) { rc_ = sqlite3_prepare_v2(db, sql, -1, &stmt_, nullptr); }
  ~Stmt() { sqlite3_finalize(stmt_); }
  bool ok() const { return rc_ == SQLITE_OK; }
  Stmt& Bind(int i, const std::string& v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, int64_t v) {
    sqlite3_bind_int64(stmt_, i, v);
    return *this;
  }
  int Step() { return sqlite3_step(stmt_); }
  std::string Text(int col) {
    const unsigned char* t = sqlite3_column_text(stmt_, col);
    return t ? std::string(reinterpret_cast<const char*>(t), sqlite3_column_bytes(stmt_, col)) : "";
  }
  int64_t Int(int col) { return sqlite3_column_int64(stmt_, col); }

 private:
  sqlite3_stmt* stmt_ = nullptr;
  int rc_;
};

const char* kSchema = R"sql(
CREATE TABLE IF NOT EXISTS outreach_schema_version (version INTEGER NOT NULL);
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
)sql";

OutboxState StateFromName(const std::string& s) {
  if (s == "sending") return OutboxState::kSending;
  if (s == "published") return OutboxState::kPublished;
  if (s == "failed") return OutboxState::kFailed;
  return OutboxState::kPlanned;
}

const char* kOutboxColumns =
    "id, kind, item_id, account, platform, post_json, content_hash, planned_at, state, attempts, "
    "next_attempt_at, remote_id, url, error, created_at, updated_at";

Result<OutboxRow> ReadOutboxRow(Stmt& q, const std::string& db_path) {
  OutboxRow r;
  r.id = q.Int(0);
  r.kind = q.Text(1);
  r.item_id = q.Text(2);
  r.account = q.Text(3);
  r.platform = q.Text(4);
  auto post = ComposedPostFromJson(q.Text(5));
  if (!post.ok())
    return Error{{db_path, 0, 0}, "outbox row " + std::to_string(r.id),
                 "stored post is unreadable: " + post.errors()[0].message};
  r.post = post.value();
  r.content_hash = q.Text(6);
  r.planned_at = q.Int(7);
  r.state = StateFromName(q.Text(8));
  r.attempts = static_cast<int>(q.Int(9));
  r.next_attempt_at = q.Int(10);
  r.remote_id = q.Text(11);
  r.url = q.Text(12);
  r.error = q.Text(13);
  r.created_at = q.Int(14);
  r.updated_at = q.Int(15);
  return r;
}

const char* FacetTypeName(platforms::Facet::Type t) {
  switch (t) {
    case platforms::Facet::Type::kLink: return "link";
    case platforms::Facet::Type::kTag: return "tag";
    case platforms::Facet::Type::kMention: return "mention";
  }
  return "link";
}

}  // namespace

const char* StoryDispositionName(StoryDisposition d) {
  switch (d) {
    case StoryDisposition::kBacklog: return "backlog";
    case StoryDisposition::kTooOld: return "too_old";
    case StoryDisposition::kPending: return "pending";
    case StoryDisposition::kPlanned: return "planned";
  }
  return "pending";
}

const char* OutboxStateName(OutboxState s) {
  switch (s) {
    case OutboxState::kPlanned: return "planned";
    case OutboxState::kSending: return "sending";
    case OutboxState::kPublished: return "published";
    case OutboxState::kFailed: return "failed";
  }
  return "planned";
}

Result<std::unique_ptr<OutreachStore>> OutreachStore::Open(const std::string& path) {
  sqlite3* db = nullptr;
  const int rc = sqlite3_open_v2(path.c_str(), &db,
                                 SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_FULLMUTEX,
                                 nullptr);
  if (rc != SQLITE_OK) {
    std::string msg = db ? sqlite3_errmsg(db) : sqlite3_errstr(rc);
    sqlite3_close(db);
    return Error{{path, 0, 0}, "", "cannot open outreach database: " + msg};
  }
  sqlite3_busy_timeout(db, 5000);
  std::unique_ptr<OutreachStore> store(new OutreachStore(db, path));
  if (path != ":memory:") {
    auto wal = store->Exec("PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL;", "set journal mode");
    if (!wal.ok()) return wal.errors();
  }
  auto created = store->Exec(kSchema, "create schema");
  if (!created.ok()) return created.errors();
  Stmt q(db, "SELECT version FROM outreach_schema_version");
  if (!q.ok()) return store->SqlError("read schema version");
  if (q.Step() == SQLITE_ROW) {
    const int64_t v = q.Int(0);
    if (v != kOutreachSchemaVersion)
      return Error{{path, 0, 0}, "", "outreach schema version " + std::to_string(v) +
                                         " is not supported (this build knows " +
                                         std::to_string(kOutreachSchemaVersion) + ")"};
  } else {
    Stmt ins(db, "INSERT INTO outreach_schema_version(version) VALUES (?)");
    ins.Bind(1, static_cast<int64_t>(kOutreachSchemaVersion));
    if (ins.Step() != SQLITE_DONE) return store->SqlError("write schema version");
  }
  return store;
}

OutreachStore::~OutreachStore() { sqlite3_close(db_); }

Error OutreachStore::SqlError(const char* what) const {
  return Error{{path_, 0, 0}, "", std::string(what) + ": " + sqlite3_errmsg(db_)};
}

Status OutreachStore::Exec(const char* sql, const char* what) {
  char* msg = nullptr;
  if (sqlite3_exec(db_, sql, nullptr, nullptr, &msg) != SQLITE_OK) {
    Error e{{path_, 0, 0}, "", std::string(what) + ": " + (msg ? msg : "unknown error")};
    sqlite3_free(msg);
    return e;
  }
  return Ok{};
}

Result<FeedState> OutreachStore::GetFeedState(const std::string& feed) {
  Stmt q(db_, "SELECT etag, last_modified, last_success FROM outreach_feed_state WHERE feed = ?");
  if (!q.ok()) return SqlError("read feed state");
  q.Bind(1, feed);
  FeedState s;
  const int rc = q.Step();
  if (rc == SQLITE_ROW) {
    s.initialized = true;
    s.etag = q.Text(0);
    s.last_modified = q.Text(1);
    s.last_success = q.Int(2);
  } else if (rc != SQLITE_DONE) {
    return SqlError("read feed state");
  }
  return s;
}

Result<bool> OutreachStore::IsSeen(const std::string& feed, const std::string& story_id) {
  Stmt q(db_, "SELECT 1 FROM outreach_seen_stories WHERE feed = ? AND story_id = ?");
  if (!q.ok()) return SqlError("read seen stories");
  q.Bind(1, feed).Bind(2, story_id);
  const int rc = q.Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqlError("read seen stories");
  return rc == SQLITE_ROW;
}

Status OutreachStore::CommitPoll(const std::string& feed, const std::vector<SeenStory>& records,
                                 const FeedState& state) {
  auto begin = Exec("BEGIN IMMEDIATE", "begin poll transaction");
  if (!begin.ok()) return begin;
  auto fail = [&](const char* what) -> Status {
    Error e = SqlError(what);
    Exec("ROLLBACK", "rollback");
    return e;
  };
  for (const SeenStory& r : records) {
    Stmt ins(db_,
             "INSERT OR IGNORE INTO outreach_seen_stories(feed, story_id, title, excerpt, link, "
             "image_url, published, disposition, seen_at) VALUES (?,?,?,?,?,?,?,?,?)");
    if (!ins.ok()) return fail("record story");
    ins.Bind(1, feed).Bind(2, r.story.id).Bind(3, r.story.title).Bind(4, r.story.excerpt);
    ins.Bind(5, r.story.link).Bind(6, r.story.image_url).Bind(7, r.story.published);
    ins.Bind(8, std::string(StoryDispositionName(r.disposition))).Bind(9, r.seen_at);
    if (ins.Step() != SQLITE_DONE) return fail("record story");
  }
  Stmt up(db_,
          "INSERT INTO outreach_feed_state(feed, etag, last_modified, last_success) VALUES (?,?,?,?) "
          "ON CONFLICT(feed) DO UPDATE SET etag = excluded.etag, last_modified = "
          "excluded.last_modified, last_success = excluded.last_success");
  if (!up.ok()) return fail("save feed state");
  up.Bind(1, feed).Bind(2, state.etag).Bind(3, state.last_modified).Bind(4, state.last_success);
  if (up.Step() != SQLITE_DONE) return fail("save feed state");
  return Exec("COMMIT", "commit poll transaction");
}

Result<std::vector<SeenStory>> OutreachStore::StoriesWithDisposition(StoryDisposition d) {
  Stmt q(db_,
         "SELECT feed, story_id, title, excerpt, link, image_url, published, seen_at FROM "
         "outreach_seen_stories WHERE disposition = ? ORDER BY published, seen_at, story_id");
  if (!q.ok()) return SqlError("list stories");
  q.Bind(1, std::string(StoryDispositionName(d)));
  std::vector<SeenStory> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    SeenStory s;
    s.feed = q.Text(0);
    s.story.id = q.Text(1);
    s.story.title = q.Text(2);
    s.story.excerpt = q.Text(3);
    s.story.link = q.Text(4);
    s.story.image_url = q.Text(5);
    s.story.published = q.Int(6);
    s.seen_at = q.Int(7);
    s.disposition = d;
    out.push_back(std::move(s));
  }
  if (rc != SQLITE_DONE) return SqlError("list stories");
  return out;
}

Status OutreachStore::MarkStoryPlanned(const std::string& feed, const std::string& story_id) {
  Stmt up(db_, "UPDATE outreach_seen_stories SET disposition = 'planned' WHERE feed = ? AND story_id = ?");
  if (!up.ok()) return SqlError("mark story planned");
  up.Bind(1, feed).Bind(2, story_id);
  if (up.Step() != SQLITE_DONE) return SqlError("mark story planned");
  return Ok{};
}

Result<int64_t> OutreachStore::InsertOutbox(const OutboxRow& row, int64_t now,
                                            const std::optional<std::string>& story_feed) {
  auto begin = Exec("BEGIN IMMEDIATE", "begin outbox transaction");
  if (!begin.ok()) return begin.errors();
  auto fail = [&](const char* what) -> Result<int64_t> {
    Error e = SqlError(what);
    Exec("ROLLBACK", "rollback");
    return e;
  };
  int64_t id = 0;
  {
    Stmt existing(db_, "SELECT id FROM outreach_outbox WHERE account = ? AND idempotency_key = ?");
    if (!existing.ok()) return fail("read outbox");
    existing.Bind(1, row.account).Bind(2, row.post.idempotency_key);
    if (existing.Step() == SQLITE_ROW) id = existing.Int(0);
  }
  if (id == 0) {
    Stmt ins(db_,
             "INSERT INTO outreach_outbox(kind, item_id, account, platform, post_json, content_hash, "
             "idempotency_key, planned_at, state, attempts, next_attempt_at, created_at, updated_at) "
             "VALUES (?,?,?,?,?,?,?,?,'planned',0,0,?,?)");
    if (!ins.ok()) return fail("insert outbox row");
    ins.Bind(1, row.kind).Bind(2, row.item_id).Bind(3, row.account).Bind(4, row.platform);
    ins.Bind(5, ComposedPostToJson(row.post)).Bind(6, ContentHash(row.post));
    ins.Bind(7, row.post.idempotency_key).Bind(8, row.planned_at).Bind(9, now).Bind(10, now);
    if (ins.Step() != SQLITE_DONE) return fail("insert outbox row");
    id = sqlite3_last_insert_rowid(db_);
  }
  if (story_feed) {
    Stmt up(db_,
            "UPDATE outreach_seen_stories SET disposition = 'planned' WHERE feed = ? AND story_id = ?");
    if (!up.ok()) return fail("mark story planned");
    up.Bind(1, *story_feed).Bind(2, row.item_id);
    if (up.Step() != SQLITE_DONE) return fail("mark story planned");
  }
  auto commit = Exec("COMMIT", "commit outbox transaction");
  if (!commit.ok()) return commit.errors();
  return id;
}

Result<std::optional<OutboxRow>> OutreachStore::GetOutbox(int64_t id) {
  Stmt q(db_, (std::string("SELECT ") + kOutboxColumns + " FROM outreach_outbox WHERE id = ?").c_str());
  if (!q.ok()) return SqlError("read outbox");
  q.Bind(1, id);
  const int rc = q.Step();
  if (rc == SQLITE_DONE) return std::optional<OutboxRow>();
  if (rc != SQLITE_ROW) return SqlError("read outbox");
  auto row = ReadOutboxRow(q, path_);
  if (!row.ok()) return row.errors();
  return std::optional<OutboxRow>(row.value());
}

Result<bool> OutreachStore::HasOutboxKey(const std::string& account, const std::string& key) {
  Stmt q(db_, "SELECT 1 FROM outreach_outbox WHERE account = ? AND idempotency_key = ?");
  if (!q.ok()) return SqlError("read outbox");
  q.Bind(1, account).Bind(2, key);
  const int rc = q.Step();
  if (rc != SQLITE_ROW && rc != SQLITE_DONE) return SqlError("read outbox");
  return rc == SQLITE_ROW;
}

Result<std::vector<OutboxRow>> OutreachStore::ListOutbox(std::optional<OutboxState> state) {
  std::string sql = std::string("SELECT ") + kOutboxColumns + " FROM outreach_outbox";
  if (state) sql += " WHERE state = ?";
  sql += " ORDER BY planned_at, id";
  Stmt q(db_, sql.c_str());
  if (!q.ok()) return SqlError("list outbox");
  if (state) q.Bind(1, std::string(OutboxStateName(*state)));
  std::vector<OutboxRow> out;
  Errors errors;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    auto row = ReadOutboxRow(q, path_);
    if (row.ok()) out.push_back(row.value());
    else errors.insert(errors.end(), row.errors().begin(), row.errors().end());
  }
  if (rc != SQLITE_DONE) return SqlError("list outbox");
  if (!errors.empty()) return errors;
  return out;
}

Result<std::vector<OutboxRow>> OutreachStore::DueOutbox(int64_t now) {
  Stmt q(db_, (std::string("SELECT ") + kOutboxColumns +
               " FROM outreach_outbox WHERE state = 'planned' AND planned_at <= ? AND "
               "next_attempt_at <= ? ORDER BY planned_at, id")
                  .c_str());
  if (!q.ok()) return SqlError("list due outbox rows");
  q.Bind(1, now).Bind(2, now);
  std::vector<OutboxRow> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) {
    auto row = ReadOutboxRow(q, path_);
    if (!row.ok()) return row.errors();
    out.push_back(row.value());
  }
  if (rc != SQLITE_DONE) return SqlError("list due outbox rows");
  return out;
}

Status OutreachStore::MarkSending(int64_t id, int64_t now) {
  Stmt q(db_,
         "UPDATE outreach_outbox SET state = 'sending', attempts = attempts + 1, updated_at = ? "
         "WHERE id = ? AND state IN ('planned', 'sending')");
  if (!q.ok()) return SqlError("mark sending");
  q.Bind(1, now).Bind(2, id);
  if (q.Step() != SQLITE_DONE) return SqlError("mark sending");
  if (sqlite3_changes(db_) != 1)
    return Error{{path_, 0, 0}, "outbox row " + std::to_string(id), "row is not planned"};
  return Ok{};
}

Status OutreachStore::MarkPublished(int64_t id, const platforms::Published& p, int64_t now) {
  Stmt q(db_,
         "UPDATE outreach_outbox SET state = 'published', remote_id = ?, url = ?, updated_at = ? "
         "WHERE id = ?");
  if (!q.ok()) return SqlError("mark published");
  q.Bind(1, p.remote_id).Bind(2, p.url).Bind(3, now).Bind(4, id);
  if (q.Step() != SQLITE_DONE) return SqlError("mark published");
  return Ok{};
}

Status OutreachStore::MarkAttemptFailed(int64_t id, const std::string& error,
                                        int64_t next_attempt_at, bool final, int64_t now) {
  Stmt q(db_,
         "UPDATE outreach_outbox SET state = ?, error = ?, next_attempt_at = ?, updated_at = ? "
         "WHERE id = ?");
  if (!q.ok()) return SqlError("record failed attempt");
  q.Bind(1, std::string(final ? "failed" : "planned")).Bind(2, error).Bind(3, next_attempt_at);
  q.Bind(4, now).Bind(5, id);
  if (q.Step() != SQLITE_DONE) return SqlError("record failed attempt");
  return Ok{};
}

Status OutreachStore::RequeueFailed(int64_t id, int64_t now) {
  Stmt q(db_,
         "UPDATE outreach_outbox SET state = 'planned', attempts = 0, next_attempt_at = ?, "
         "updated_at = ? WHERE id = ? AND state = 'failed'");
  if (!q.ok()) return SqlError("requeue failed row");
  q.Bind(1, now).Bind(2, now).Bind(3, id);
  if (q.Step() != SQLITE_DONE) return SqlError("requeue failed row");
  if (sqlite3_changes(db_) != 1)
    return Error{{path_, 0, 0}, "outbox row " + std::to_string(id), "row is not failed"};
  return Ok{};
}

Result<std::map<std::string, int64_t>> OutreachStore::LastPlannedByItem(const std::string& account,
                                                                        const std::string& kind) {
  Stmt q(db_,
         "SELECT item_id, MAX(planned_at) FROM outreach_outbox WHERE account = ? AND kind = ? AND "
         "state != 'failed' GROUP BY item_id");
  if (!q.ok()) return SqlError("read rotation history");
  q.Bind(1, account).Bind(2, kind);
  std::map<std::string, int64_t> out;
  int rc;
  while ((rc = q.Step()) == SQLITE_ROW) out[q.Text(0)] = q.Int(1);
  if (rc != SQLITE_DONE) return SqlError("read rotation history");
  return out;
}

Result<int> OutreachStore::CountPlanned(const std::string& account, int64_t from, int64_t to) {
  Stmt q(db_,
         "SELECT COUNT(*) FROM outreach_outbox WHERE account = ? AND state != 'failed' AND "
         "planned_at >= ? AND planned_at < ?");
  if (!q.ok()) return SqlError("count planned posts");
  q.Bind(1, account).Bind(2, from).Bind(3, to);
  if (q.Step() != SQLITE_ROW) return SqlError("count planned posts");
  return static_cast<int>(q.Int(0));
}

std::string ComposedPostToJson(const platforms::ComposedPost& post) {
  nlohmann::json j;
  j["account"] = post.account;
  j["text"] = post.text;
  j["link"] = post.link;
  j["idempotency_key"] = post.idempotency_key;
  j["facets"] = nlohmann::json::array();
  for (const auto& f : post.facets)
    j["facets"].push_back({{"byteStart", f.byte_start}, {"byteEnd", f.byte_end},
                           {"type", FacetTypeName(f.type)}, {"value", f.value}});
  j["images"] = nlohmann::json::array();
  for (const auto& im : post.images)
    j["images"].push_back({{"file", im.file}, {"alt", im.alt}, {"mime_type", im.mime_type}});
  if (post.card)
    j["card"] = {{"uri", post.card->uri}, {"title", post.card->title},
                 {"description", post.card->description}, {"thumb_file", post.card->thumb_file}};
  return j.dump();
}

Result<platforms::ComposedPost> ComposedPostFromJson(const std::string& text) {
  try {
    const nlohmann::json j = nlohmann::json::parse(text);
    platforms::ComposedPost p;
    p.account = j.at("account").get<std::string>();
    p.text = j.at("text").get<std::string>();
    p.link = j.at("link").get<std::string>();
    p.idempotency_key = j.at("idempotency_key").get<std::string>();
    // Offsets must be integers uint32 holds: get<uint32_t>() on 1e20 or
    // -1 would cast out of range (undefined for a float).
    auto offset = [](const nlohmann::json& v) -> std::optional<uint32_t> {
      if (!v.is_number_unsigned() || v.get<uint64_t>() > UINT32_MAX) return std::nullopt;
      return static_cast<uint32_t>(v.get<uint64_t>());
    };
    for (const auto& f : j.at("facets")) {
      platforms::Facet facet;
      const auto start = offset(f.at("byteStart")), end = offset(f.at("byteEnd"));
      if (!start || !end)
        return Error{{}, "", "post JSON: facet byteStart/byteEnd is not an offset from 0 to 4294967295"};
      facet.byte_start = *start;
      facet.byte_end = *end;
      const std::string type = f.at("type").get<std::string>();
      facet.type = type == "tag" ? platforms::Facet::Type::kTag
                   : type == "mention" ? platforms::Facet::Type::kMention
                                       : platforms::Facet::Type::kLink;
      facet.value = f.at("value").get<std::string>();
      p.facets.push_back(facet);
    }
    for (const auto& im : j.at("images"))
      p.images.push_back({im.at("file").get<std::string>(), im.at("alt").get<std::string>(),
                          im.at("mime_type").get<std::string>()});
    if (j.contains("card")) {
      const auto& c = j["card"];
      p.card = platforms::LinkCard{c.at("uri").get<std::string>(), c.at("title").get<std::string>(),
                                   c.at("description").get<std::string>(),
                                   c.at("thumb_file").get<std::string>()};
    }
    return p;
  } catch (const nlohmann::json::exception& e) {
    return Error{{}, "", std::string("post JSON: ") + e.what()};
  }
}

std::string ContentHash(const platforms::ComposedPost& post) {
  platforms::ComposedPost copy = post;
  copy.idempotency_key.clear();
  const std::string json = ComposedPostToJson(copy);
  unsigned char digest[SHA256_DIGEST_LENGTH];
  SHA256(reinterpret_cast<const unsigned char*>(json.data()), json.size(), digest);
  std::string hex;
  char buf[3];
  for (unsigned char b : digest) {
    std::snprintf(buf, sizeof buf, "%02x", b);
    hex += buf;
  }
  return hex;
}

}  // namespace aasr::outreach
