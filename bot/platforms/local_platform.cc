#include "bot/platforms/local_platform.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include <nlohmann/json.hpp>

#include "bot/comment/json.h"
#include "bot/net/rfc3339.h"
#include "bot/platforms/common.h"
#include "bot/platforms/replies.h"

namespace aasr::platforms {
namespace fs = std::filesystem;
using nlohmann::json;

namespace {

Status EnsureDir(const std::string& dir) {
  std::error_code ec;
  fs::create_directories(dir, ec);
  if (ec) return Error{{dir}, "", "cannot create directory: " + ec.message()};
  return Ok{};
}

const char* FacetTypeName(Facet::Type t) {
  switch (t) {
    case Facet::Type::kLink: return "link";
    case Facet::Type::kTag: return "tag";
    case Facet::Type::kMention: return "mention";
  }
  return "link";
}

// Column (1-based) of a byte offset within a line.
int ColumnOf(size_t byte) { return static_cast<int>(byte) + 1; }

}  // namespace

LocalPlatform::LocalPlatform(std::string account, std::string dir, net::Clock* clock)
    : account_(std::move(account)), dir_(std::move(dir)), clock_(clock) {}

Capabilities LocalPlatform::capabilities() const {
  Capabilities c;
  c.hide_replies = true;
  c.delete_comments = true;
  c.block_authors = true;
  c.report = true;
  c.webhooks = false;
  c.max_text = 5000;
  c.max_images = 4;
  c.find_by_key = true;
  SetReplyCapabilities("local", &c);
  return c;
}

Status LocalPlatform::CheckCredentials() {
  for (const std::string& d : {outbox_dir(), inbox_dir()}) {
    Status s = EnsureDir(d);
    if (!s.ok()) return s;
    std::string probe = d + "/.write-check";
    Status w = WriteFileAtomic(probe, "ok\n");
    if (!w.ok()) return w;
    fs::remove(probe);
  }
  return Ok{};
}

std::string LocalPlatform::PostPath(const std::string& key) const {
  return outbox_dir() + "/" + SafeFileName(key) + ".json";
}

Result<std::optional<Published>> LocalPlatform::FindPublished(const std::string& idempotency_key) {
  std::string path = PostPath(idempotency_key);
  if (!fs::exists(path)) return std::optional<Published>();
  Result<std::string> text = ReadFile(path);
  if (!text.ok()) return text.errors();
  json j = json::parse(text.value(), nullptr, false);
  if (j.is_discarded() || !j.is_object() || !j.contains("remote_id") || !j["remote_id"].is_string() ||
      !j.contains("url") || !j["url"].is_string()) {
    return Error{{path}, account_, "published record is not valid JSON with remote_id and url"};
  }
  if (j.value("idempotency_key", "") != idempotency_key) {
    return Error{{path}, account_, "published record belongs to another idempotency key (hash collision?)"};
  }
  return std::optional<Published>(Published{j["remote_id"].get<std::string>(), j["url"].get<std::string>()});
}

Result<Published> LocalPlatform::Publish(const ComposedPost& post) {
  Status valid = ValidatePost(post, capabilities(), account_);
  if (!valid.ok()) return valid.errors();
  Status dir = EnsureDir(outbox_dir());
  if (!dir.ok()) return dir.errors();
  auto existing = FindPublished(post.idempotency_key);
  if (!existing.ok()) return existing.errors();
  if (existing.value()) return *existing.value();
  for (const Image& img : post.images) {
    if (!fs::exists(img.file)) return Error{{img.file}, account_, "image file does not exist"};
  }
  std::string path = PostPath(post.idempotency_key);
  Published p;
  p.remote_id = "local-" + StableHash(post.idempotency_key);
  p.url = "file://" + fs::absolute(path).lexically_normal().string();
  json facets = json::array();
  for (const Facet& f : post.facets) {
    facets.push_back({{"byte_start", f.byte_start}, {"byte_end", f.byte_end},
                      {"type", FacetTypeName(f.type)}, {"value", f.value}});
  }
  json images = json::array();
  for (const Image& img : post.images) {
    images.push_back({{"file", img.file}, {"alt", img.alt}, {"mime_type", img.mime_type}});
  }
  json j = {{"remote_id", p.remote_id},
            {"url", p.url},
            {"account", account_},
            {"idempotency_key", post.idempotency_key},
            {"published_at", net::FormatRfc3339(clock_->Now())},
            {"text", post.text},
            {"facets", facets},
            {"images", images},
            {"link", post.link}};
  if (post.card) {
    j["card"] = {{"uri", post.card->uri}, {"title", post.card->title},
                 {"description", post.card->description}, {"thumb_file", post.card->thumb_file}};
  }
  Status w = WriteFileAtomic(path, j.dump(2) + "\n");
  if (!w.ok()) return w.errors();
  return p;
}

Result<std::optional<FetchedComment>> LocalPlatform::ParseInboxLine(const std::string& line, const std::string& path,
                                                                     int line_no, net::WallTime now) {
  auto fail = [&](size_t col_byte, const std::string& subject, const std::string& msg) {
    return Error{{path, line_no, ColumnOf(col_byte)}, subject, msg};
  };
  if (line.find_first_not_of(" \t") == std::string::npos) return std::optional<FetchedComment>();
  {
    json j;
    try {
      j = json::parse(line);
    } catch (const json::parse_error& e) {
      return fail(e.byte > 0 ? e.byte - 1 : 0, "", std::string("malformed JSON: ") + e.what());
    } catch (const json::exception& e) {
      // out_of_range.406 for a number no double holds ("1e999"): no offset.
      return fail(0, "", std::string("malformed JSON: ") + e.what());
    }
    if (!j.is_object()) return fail(0, "", "each line must be a JSON object");
    // The one comment codec (bot/comment/json.h); the inbox's own
    // requirements on top.
    auto decoded = comment::Decode(j);
    if (!decoded.ok()) {
      const Error& e = decoded.errors().front();
      return fail(0, e.subject, e.message);
    }
    const comment::Comment& in = decoded.value();
    if (in.remote_id.empty()) return fail(0, "id", "missing required field 'id'");
    if (!in.has_text) return fail(0, "text", "missing required field 'text'");
    if (!in.has_author) return fail(0, "author", "missing required object 'author' with 'handle'");
    if (in.author.handle.empty()) return fail(0, "author.handle", "missing required field 'handle'");
    FetchedComment c;
    c.remote_id = in.remote_id;
    c.text = in.text;
    c.parent_remote_id = in.parent.empty() ? in.post : in.parent;
    c.created_at = in.created_at;
    c.kind = in.kind;
    c.author_handle = in.author.handle;
    c.author_id = in.author.id.empty() ? in.author.handle : in.author.id;
    c.author_account_age_days = in.author.account_age_days;
    c.author_followers = in.author.followers;
    const std::string& post_id = in.post;
    c.root_remote_id = post_id.empty() ? c.parent_remote_id : post_id;
    if (c.kind.empty()) c.kind = "reply";
    if (c.created_at.empty()) c.created_at = net::FormatRfc3339(now);
    return std::optional<FetchedComment>(std::move(c));
  }
}

Result<CommentBatch> LocalPlatform::FetchComments(const std::string& cursor) {
  std::string cursor_file;
  size_t cursor_offset = 0;
  if (!cursor.empty()) {
    size_t colon = cursor.rfind(':');
    if (colon == std::string::npos) return Error{{"cursor"}, account_, "malformed local cursor '" + cursor + "'"};
    cursor_file = cursor.substr(0, colon);
    try {
      cursor_offset = std::stoull(cursor.substr(colon + 1));
    } catch (...) {
      return Error{{"cursor"}, account_, "malformed local cursor '" + cursor + "'"};
    }
  }
  CommentBatch batch;
  batch.next_cursor = cursor;
  std::error_code ec;
  if (!fs::exists(inbox_dir(), ec)) return batch;
  std::vector<std::string> files;
  for (const auto& entry : fs::directory_iterator(inbox_dir(), ec)) {
    if (entry.is_regular_file() && entry.path().extension() == ".jsonl") files.push_back(entry.path().filename());
  }
  if (ec) return Error{{inbox_dir()}, account_, "cannot list inbox: " + ec.message()};
  std::sort(files.begin(), files.end());
  std::set<std::string> seen;
  for (const std::string& name : files) {
    if (!cursor_file.empty() && name < cursor_file) continue;
    size_t start = name == cursor_file ? cursor_offset : 0;
    std::string path = inbox_dir() + "/" + name;
    Result<std::string> text = ReadFile(path);
    if (!text.ok()) return text.errors();
    const std::string& data = text.value();
    if (start > data.size()) {
      return Error{{path}, account_, "cursor offset " + std::to_string(start) + " is past the end of the file"};
    }
    int line_no = static_cast<int>(std::count(data.begin(), data.begin() + static_cast<long>(start), '\n')) + 1;
    size_t pos = start;
    while (pos < data.size()) {
      size_t nl = data.find('\n', pos);
      if (nl == std::string::npos) break;  // an incomplete last line: wait for the rest
      std::string line = data.substr(pos, nl - pos);
      if (!line.empty() && line.back() == '\r') line.pop_back();
      Result<std::optional<FetchedComment>> parsed = ParseInboxLine(line, path, line_no, clock_->Now());
      if (!parsed.ok()) return parsed.errors();
      if (parsed.value() && seen.insert(parsed.value()->remote_id).second) {
        batch.comments.push_back(std::move(*parsed.value()));
      }
      pos = nl + 1;
      ++line_no;
      batch.next_cursor = name + ":" + std::to_string(pos);
    }
  }
  return batch;
}

Status LocalPlatform::Moderate(ModerationAction action, const FetchedComment& target) {
  Status dir = EnsureDir(outbox_dir());
  if (!dir.ok()) return dir;
  std::string path = outbox_dir() + "/moderation.jsonl";
  json j = {{"action", ModerationActionName(action)},
            {"comment", target.remote_id},
            {"author", target.author_handle},
            {"at", net::FormatRfc3339(clock_->Now())}};
  std::ofstream out(path, std::ios::app);
  if (!out) return Error{{path}, account_, "cannot append moderation log"};
  out << j.dump() << "\n";
  out.flush();
  if (!out) return Error{{path}, account_, "write failed"};
  return Ok{};
}

}  // namespace aasr::platforms

namespace aasr::platforms {

std::string LocalPlatform::RepliesPath() const { return outbox_dir() + "/replies.jsonl"; }

Result<std::optional<Published>> LocalPlatform::FindReply(const ReplyRequest& r) {
  std::ifstream in(RepliesPath());
  if (!in) return std::optional<Published>();  // nothing replied yet
  std::string line;
  int line_no = 0;
  while (std::getline(in, line)) {
    ++line_no;
    json j = json::parse(line, nullptr, false);
    // A torn last line (a crash mid-append) is not a reply that was sent.
    if (j.is_discarded() || !j.is_object()) continue;
    if (j.value("key", "") == r.idempotency_key) {
      return std::optional<Published>(
          Published{j.value("id", ""), "file://" + RepliesPath() + "#L" + std::to_string(line_no)});
    }
  }
  return std::optional<Published>();
}

Result<Published> LocalPlatform::Reply(const ReplyRequest& r) {
  if (r.idempotency_key.empty()) return Error{{RepliesPath()}, account_, "a reply needs an idempotency key"};
  auto found = FindReply(r);
  if (!found.ok()) return found.errors();
  if (found.value()) return *found.value();  // the same key was sent before
  Status dir = EnsureDir(outbox_dir());
  if (!dir.ok()) return dir.errors();
  // Count lines for the URL: the reply's own line number.
  int lines = 0;
  {
    std::ifstream in(RepliesPath());
    std::string l;
    while (std::getline(in, l)) ++lines;
  }
  const std::string id = "reply-" + StableHash(r.idempotency_key).substr(0, 16);
  json j = {{"key", r.idempotency_key},
            {"id", id},
            {"comment", r.target.remote_id},
            {"author", r.target.author_handle},
            {"private", r.is_private},
            {"text", r.text},
            {"at", net::FormatRfc3339(clock_->Now())}};
  std::ofstream out(RepliesPath(), std::ios::app);
  if (!out) return Error{{RepliesPath()}, account_, "cannot append to the replies file"};
  out << j.dump() << "\n";
  out.flush();
  if (!out) return Error{{RepliesPath()}, account_, "write failed"};
  return Published{id, "file://" + RepliesPath() + "#L" + std::to_string(lines + 1)};
}

}  // namespace aasr::platforms
