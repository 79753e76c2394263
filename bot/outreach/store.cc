#include "bot/outreach/store.h"

#include <cstdio>

#include <nlohmann/json.hpp>
#include <openssl/sha.h>

#include "bot/sql/db.h"
#include "bot/sql/migrations.h"
#include "bot/sql/transaction.h"

namespace aasr::outreach {
namespace {

using sql::Stmt;

// The file keeps every time in milliseconds (bot/sql/migrations.h, step 6);
// outreach's calendar code counts whole seconds (cctz civil time), so this
// store converts at its boundary.
int64_t Ms(int64_t seconds) { return seconds * 1000; }
int64_t Seconds(int64_t ms) { return ms >= 0 ? ms / 1000 : -((-ms + 999) / 1000); }

OutboxState StateFromName(const std::string& s) {
  if (s == "sending") return OutboxState::kSending;
  if (s == "published") return OutboxState::kPublished;
  if (s == "failed") return OutboxState::kFailed;
  return OutboxState::kPlanned;
}

const std::string kOutboxColumns =
    "id, kind, item_id, account, platform, post_json, content_hash, planned_ms, state, attempts, "
    "next_attempt_ms, remote_id, url, error, created_ms, updated_ms";

Result<OutboxRow> ReadOutboxRow(const Stmt& q, const std::string& db_path) {
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
  r.planned_at = Seconds(q.Int(7));
  r.state = StateFromName(q.Text(8));
  r.attempts = static_cast<int>(q.Int(9));
  r.next_attempt_at = Seconds(q.Int(10));
  r.remote_id = q.Text(11);
  r.url = q.Text(12);
  r.error = q.Text(13);
  r.created_at = Seconds(q.Int(14));
  r.updated_at = Seconds(q.Int(15));
  return r;
}

// Every outbox row a query returns; a row whose post is unreadable is an
// error (all of them are reported, the readable rows are not returned).
Result<std::vector<OutboxRow>> ReadOutboxRows(Stmt& q, const std::string& db_path) {
  std::vector<OutboxRow> out;
  Errors errors;
  Error e;
  while (q.Step(&e)) {
    auto row = ReadOutboxRow(q, db_path);
    if (row.ok()) out.push_back(row.value());
    else errors.insert(errors.end(), row.errors().begin(), row.errors().end());
  }
  if (!e.message.empty()) return e;
  if (!errors.empty()) return errors;
  return out;
}

// Steps a statement that returns at most one row: true when it did.
Result<bool> HasRow(Stmt& q) {
  Error e;
  if (q.Step(&e)) return true;
  if (!e.message.empty()) return e;
  return false;
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

OutreachStore::OutreachStore(std::unique_ptr<sql::Db> db, std::string path)
    : db_(std::move(db)), path_(std::move(path)) {}

OutreachStore::~OutreachStore() = default;

Result<std::unique_ptr<OutreachStore>> OutreachStore::Open(const std::string& path) {
  auto db = sql::Db::Open(path);
  if (!db.ok()) return db.errors();
  auto version = sql::Migrate(*db.value());
  if (!version.ok()) return version.errors();
  return std::unique_ptr<OutreachStore>(new OutreachStore(std::move(db).value(), path));
}

Result<FeedState> OutreachStore::GetFeedState(const std::string& feed) {
  AASR_PREPARE(q, *db_,
               "SELECT etag, last_modified, last_success_ms FROM outreach_feed_state WHERE feed = ?");
  q.Bind(1, feed);
  auto found = HasRow(q);
  if (!found.ok()) return found.errors();
  FeedState s;
  if (found.value()) {
    s.initialized = true;
    s.etag = q.Text(0);
    s.last_modified = q.Text(1);
    s.last_success = Seconds(q.Int(2));
  }
  return s;
}

Result<bool> OutreachStore::IsSeen(const std::string& feed, const std::string& story_id) {
  AASR_PREPARE(q, *db_, "SELECT 1 FROM outreach_seen_stories WHERE feed = ? AND story_id = ?");
  q.Bind(1, feed).Bind(2, story_id);
  return HasRow(q);
}

Status OutreachStore::CommitPoll(const std::string& feed, const std::vector<SeenStory>& records,
                                 const FeedState& state) {
  sql::Tx tx(*db_, true);
  if (!tx.ok()) return tx.error();
  for (const SeenStory& r : records) {
    AASR_PREPARE(ins, *db_,
                 "INSERT OR IGNORE INTO outreach_seen_stories(feed, story_id, title, excerpt, "
                 "link, image_url, published_ms, disposition, seen_ms) VALUES (?,?,?,?,?,?,?,?,?)");
    ins.Bind(1, feed).Bind(2, r.story.id).Bind(3, r.story.title).Bind(4, r.story.excerpt);
    ins.Bind(5, r.story.link).Bind(6, r.story.image_url).Bind(7, Ms(r.story.published));
    ins.Bind(8, StoryDispositionName(r.disposition)).Bind(9, Ms(r.seen_at));
    AASR_RUN(ins);
  }
  AASR_PREPARE(up, *db_,
               "INSERT INTO outreach_feed_state(feed, etag, last_modified, last_success_ms) "
               "VALUES (?,?,?,?) ON CONFLICT(feed) DO UPDATE SET etag = excluded.etag, "
               "last_modified = excluded.last_modified, last_success_ms = excluded.last_success_ms");
  up.Bind(1, feed).Bind(2, state.etag).Bind(3, state.last_modified).Bind(4, Ms(state.last_success));
  AASR_RUN(up);
  return tx.Commit();
}

Result<std::vector<SeenStory>> OutreachStore::StoriesWithDisposition(StoryDisposition d) {
  AASR_PREPARE(q, *db_,
               "SELECT feed, story_id, title, excerpt, link, image_url, published_ms, seen_ms FROM "
               "outreach_seen_stories WHERE disposition = ? ORDER BY published_ms, seen_ms, story_id");
  q.Bind(1, StoryDispositionName(d));
  std::vector<SeenStory> out;
  Error e;
  while (q.Step(&e)) {
    SeenStory s;
    s.feed = q.Text(0);
    s.story.id = q.Text(1);
    s.story.title = q.Text(2);
    s.story.excerpt = q.Text(3);
    s.story.link = q.Text(4);
    s.story.image_url = q.Text(5);
    s.story.published = Seconds(q.Int(6));
    s.seen_at = Seconds(q.Int(7));
    s.disposition = d;
    out.push_back(std::move(s));
  }
  if (!e.message.empty()) return e;
  return out;
}

Status OutreachStore::MarkStoryPlanned(const std::string& feed, const std::string& story_id) {
  AASR_PREPARE(up, *db_,
               "UPDATE outreach_seen_stories SET disposition = 'planned' "
               "WHERE feed = ? AND story_id = ?");
  up.Bind(1, feed).Bind(2, story_id);
  AASR_RUN(up);
  return Ok{};
}

Result<int64_t> OutreachStore::InsertOutbox(const OutboxRow& row, int64_t now,
                                            const std::optional<std::string>& story_feed) {
  sql::Tx tx(*db_, true);
  if (!tx.ok()) return tx.error();
  int64_t id = 0;
  {
    AASR_PREPARE(existing, *db_,
                 "SELECT id FROM outreach_outbox WHERE account = ? AND idempotency_key = ?");
    existing.Bind(1, row.account).Bind(2, row.post.idempotency_key);
    auto found = HasRow(existing);
    if (!found.ok()) return found.errors();
    if (found.value()) id = existing.Int(0);
  }
  if (id == 0) {
    AASR_PREPARE(ins, *db_,
                 "INSERT INTO outreach_outbox(kind, item_id, account, platform, post_json, "
                 "content_hash, idempotency_key, planned_ms, state, attempts, next_attempt_ms, "
                 "created_ms, updated_ms) VALUES (?,?,?,?,?,?,?,?,'planned',0,0,?,?)");
    ins.Bind(1, row.kind).Bind(2, row.item_id).Bind(3, row.account).Bind(4, row.platform);
    ins.Bind(5, ComposedPostToJson(row.post)).Bind(6, ContentHash(row.post));
    ins.Bind(7, row.post.idempotency_key).Bind(8, Ms(row.planned_at)).Bind(9, Ms(now)).Bind(10, Ms(now));
    AASR_RUN(ins);
    id = db_->LastInsertId();
  }
  if (story_feed) {
    AASR_PREPARE(up, *db_,
                 "UPDATE outreach_seen_stories SET disposition = 'planned' "
                 "WHERE feed = ? AND story_id = ?");
    up.Bind(1, *story_feed).Bind(2, row.item_id);
    AASR_RUN(up);
  }
  Status commit = tx.Commit();
  if (!commit.ok()) return commit.errors();
  return id;
}

Result<std::optional<OutboxRow>> OutreachStore::GetOutbox(int64_t id) {
  AASR_PREPARE(q, *db_, "SELECT " + kOutboxColumns + " FROM outreach_outbox WHERE id = ?");
  q.Bind(1, id);
  auto found = HasRow(q);
  if (!found.ok()) return found.errors();
  if (!found.value()) return std::optional<OutboxRow>();
  auto row = ReadOutboxRow(q, path_);
  if (!row.ok()) return row.errors();
  return std::optional<OutboxRow>(row.value());
}

Result<bool> OutreachStore::HasOutboxKey(const std::string& account, const std::string& key) {
  AASR_PREPARE(q, *db_, "SELECT 1 FROM outreach_outbox WHERE account = ? AND idempotency_key = ?");
  q.Bind(1, account).Bind(2, key);
  return HasRow(q);
}

Result<std::vector<OutboxRow>> OutreachStore::ListOutbox(std::optional<OutboxState> state) {
  std::string sql = "SELECT " + kOutboxColumns + " FROM outreach_outbox";
  if (state) sql += " WHERE state = ?";
  sql += " ORDER BY planned_ms, id";
  AASR_PREPARE(q, *db_, sql);
  if (state) q.Bind(1, OutboxStateName(*state));
  return ReadOutboxRows(q, path_);
}

Result<std::vector<OutboxRow>> OutreachStore::DueOutbox(int64_t now) {
  AASR_PREPARE(q, *db_,
               "SELECT " + kOutboxColumns +
                   " FROM outreach_outbox WHERE state = 'planned' AND planned_ms <= ? AND "
                   "next_attempt_ms <= ? ORDER BY planned_ms, id");
  q.Bind(1, Ms(now)).Bind(2, Ms(now));
  return ReadOutboxRows(q, path_);
}

Status OutreachStore::MarkSending(int64_t id, int64_t now) {
  AASR_PREPARE(q, *db_,
               "UPDATE outreach_outbox SET state = 'sending', attempts = attempts + 1, "
               "updated_ms = ? WHERE id = ? AND state IN ('planned', 'sending')");
  q.Bind(1, Ms(now)).Bind(2, id);
  AASR_RUN(q);
  if (db_->Changes() != 1)
    return Error{{path_, 0, 0}, "outbox row " + std::to_string(id), "row is not planned"};
  return Ok{};
}

Status OutreachStore::MarkPublished(int64_t id, const platforms::Published& p, int64_t now) {
  AASR_PREPARE(q, *db_,
               "UPDATE outreach_outbox SET state = 'published', remote_id = ?, url = ?, "
               "updated_ms = ? WHERE id = ?");
  q.Bind(1, p.remote_id).Bind(2, p.url).Bind(3, Ms(now)).Bind(4, id);
  AASR_RUN(q);
  return Ok{};
}

Status OutreachStore::MarkAttemptFailed(int64_t id, const std::string& error,
                                        int64_t next_attempt_at, bool final, int64_t now) {
  AASR_PREPARE(q, *db_,
               "UPDATE outreach_outbox SET state = ?, error = ?, next_attempt_ms = ?, "
               "updated_ms = ? WHERE id = ?");
  q.Bind(1, final ? "failed" : "planned").Bind(2, error).Bind(3, Ms(next_attempt_at));
  q.Bind(4, Ms(now)).Bind(5, id);
  AASR_RUN(q);
  return Ok{};
}

Status OutreachStore::RequeueFailed(int64_t id, int64_t now) {
  AASR_PREPARE(q, *db_,
               "UPDATE outreach_outbox SET state = 'planned', attempts = 0, next_attempt_ms = ?, "
               "updated_ms = ? WHERE id = ? AND state = 'failed'");
  q.Bind(1, Ms(now)).Bind(2, Ms(now)).Bind(3, id);
  AASR_RUN(q);
  if (db_->Changes() != 1)
    return Error{{path_, 0, 0}, "outbox row " + std::to_string(id), "row is not failed"};
  return Ok{};
}

Result<std::map<std::string, int64_t>> OutreachStore::LastPlannedByItem(const std::string& account,
                                                                        const std::string& kind) {
  AASR_PREPARE(q, *db_,
               "SELECT item_id, MAX(planned_ms) FROM outreach_outbox WHERE account = ? AND "
               "kind = ? AND state != 'failed' GROUP BY item_id");
  q.Bind(1, account).Bind(2, kind);
  std::map<std::string, int64_t> out;
  Error e;
  while (q.Step(&e)) out[q.Text(0)] = Seconds(q.Int(1));
  if (!e.message.empty()) return e;
  return out;
}

Result<int> OutreachStore::CountPlanned(const std::string& account, int64_t from, int64_t to) {
  AASR_PREPARE(q, *db_,
               "SELECT COUNT(*) FROM outreach_outbox WHERE account = ? AND state != 'failed' AND "
               "planned_ms >= ? AND planned_ms < ?");
  q.Bind(1, account).Bind(2, Ms(from)).Bind(3, Ms(to));
  Error e;
  if (!q.Step(&e)) return e;
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
