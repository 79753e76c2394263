#include "bot/review/replies_api.h"

#include <spdlog/spdlog.h>

#include "bot/platforms/replies.h"
#include "bot/review/api.h"
#include "bot/util/utf8.h"

namespace aasr::review {
using nlohmann::json;

json ReplyJson(const replies::ReplyRow& r) {
  return json{{"id", r.id},
              {"item_id", r.item_id},
              {"account", r.account},
              {"platform", r.platform},
              {"private", r.is_private},
              {"text", r.text},
              {"template", r.template_name},
              {"state", replies::ReplyStateName(r.state)},
              {"attempts", r.attempts},
              {"last_error", r.last_error},
              {"remote_id", r.remote_id},
              {"url", r.url},
              {"created_by", r.created_by},
              {"created_ms", r.created_ms},
              {"updated_ms", r.updated_ms}};
}

RepliesApi::RepliesApi(std::string db_path, std::string saved_replies_path, store::StorePtr store,
                       std::shared_ptr<const aasr::Clock> clock, CapabilitiesFor capabilities)
    : db_path_(std::move(db_path)),
      saved_(std::move(saved_replies_path)),
      store_(std::move(store)),
      clock_(std::move(clock)),
      capabilities_(std::move(capabilities)) {}

replies::ReplyStore* RepliesApi::StoreLocked(Response* error) {
  std::lock_guard<std::mutex> lock(mu_);
  if (!replies_) {
    auto opened = replies::ReplyStore::Open(db_path_);
    if (!opened.ok()) {
      spdlog::error("replies: {}", FormatErrors(opened.errors()));
      *error = ErrorResponse(500, "store", "the replies store " + db_path_ + " cannot be opened; see the server log");
      return nullptr;
    }
    replies_ = std::move(opened).value();
  }
  return replies_.get();
}

namespace {

// What the page shows about replies on `platform`.
json CapabilitiesJson(const std::string& platform, const platforms::Capabilities& c) {
  return json{{"public", c.reply_public},
              {"private", c.reply_private},
              {"note", c.reply_note},
              {"max", c.max_reply_text},
              {"max_private", c.max_private_reply_text},
              // How the page counts as it is typed (the server counts again).
              {"counting", platform == "mastodon"  ? "mastodon"
                           : platform == "bluesky" ? "graphemes"
                                                   : "characters"}};
}

}  // namespace

Response RepliesApi::Get(int64_t item_id) {
  auto item = store_->GetItem(item_id);
  if (!item.ok()) return ErrorResponse(500, "store", "the store failed; see the server log");
  if (!item.value()) return ErrorResponse(404, "not_found", "no item " + std::to_string(item_id));
  auto comment = store_->GetComment(item.value()->comment_id);
  if (!comment.ok() || !comment.value()) return ErrorResponse(500, "store", "the item's comment cannot be read");
  const store::StoredComment& c = *comment.value();
  Response err;
  replies::ReplyStore* rs = StoreLocked(&err);
  if (!rs) return err;
  auto rows = rs->ForItem(item_id);
  if (!rows.ok()) {
    spdlog::error("replies of item {}: {}", item_id, FormatErrors(rows.errors()));
    return ErrorResponse(500, "store", "the replies cannot be read; see the server log");
  }
  const platforms::Capabilities caps = capabilities_(c.platform);
  platforms::FetchedComment target;
  target.author_handle = c.author_handle;
  json out;
  out["platform"] = c.platform;
  out["capabilities"] = CapabilitiesJson(c.platform, caps);
  out["prefix"] = platforms::ReplyText(c.platform, target, "");  // e.g. "@author "
  json templates = json::array();
  auto saved = saved_.Current(clock_->NowMs());
  if (saved) {
    for (const replies::SavedReply& s : saved->ForItem(item.value()->categories)) {
      bool first = false;
      for (const auto& cat : s.offer_first_for)
        for (const auto& ic : item.value()->categories) first = first || cat == ic;
      templates.push_back({{"name", s.name},
                           {"title", s.title},
                           {"offered_first", first},
                           {"text", replies::RenderSavedReply(s.text, c.author_handle, saved->org)}});
    }
  }
  out["templates"] = templates;
  out["templates_file"] = saved_.path();
  const std::string error = saved_.error();
  if (!error.empty()) out["templates_error"] = error;
  json list = json::array();
  for (const auto& r : rows.value()) list.push_back(ReplyJson(r));
  out["replies"] = list;
  return JsonResponse(200, out);
}

Response RepliesApi::Post(int64_t item_id, const Request& r, const std::string& actor) {
  json body = json::parse(r.body, nullptr, false);
  if (body.is_discarded() || !body.is_object())
    return ErrorResponse(400, "bad_request", "the body must be a JSON object {text, private, template, key}");
  if (!body.contains("text") || !body["text"].is_string())
    return ErrorResponse(422, "invalid", "`text` (a string) is required");
  const std::string text = body["text"].get<std::string>();
  const bool is_private = body.contains("private") && body["private"].is_boolean() && body["private"].get<bool>();
  const std::string tmpl = body.contains("template") && body["template"].is_string() ? body["template"].get<std::string>() : "";
  const std::string key = body.contains("key") && body["key"].is_string() ? body["key"].get<std::string>() : "";
  if (key.empty() || key.size() > 200)
    return ErrorResponse(422, "invalid", "`key` (one per reply being written, at most 200 bytes) is required");
  if (utf8::FindInvalid(text) != std::string::npos)
    return ErrorResponse(422, "invalid", "`text` is not valid UTF-8 at byte " + std::to_string(utf8::FindInvalid(text)));
  bool blank = true;
  for (unsigned char ch : text) blank = blank && (ch == ' ' || ch == '\n' || ch == '\t' || ch == '\r');
  if (blank) return ErrorResponse(422, "invalid", "the reply is empty");

  auto item = store_->GetItem(item_id);
  if (!item.ok()) return ErrorResponse(500, "store", "the store failed; see the server log");
  if (!item.value()) return ErrorResponse(404, "not_found", "no item " + std::to_string(item_id));
  auto comment = store_->GetComment(item.value()->comment_id);
  if (!comment.ok() || !comment.value()) return ErrorResponse(500, "store", "the item's comment cannot be read");
  const store::StoredComment& c = *comment.value();
  const platforms::Capabilities caps = capabilities_(c.platform);
  if (!(is_private ? caps.reply_private : caps.reply_public)) {
    return ErrorResponse(422, "not_offered",
                         std::string(is_private ? "private replies" : "replies") + " are not offered on " +
                             c.platform + ": " + caps.reply_note);
  }
  platforms::FetchedComment target;
  target.author_handle = c.author_handle;
  const std::string sent = platforms::ReplyText(c.platform, target, text);
  const size_t length = platforms::CountReplyText(c.platform, sent);
  const int limit = is_private ? caps.max_private_reply_text : caps.max_reply_text;
  if (limit > 0 && static_cast<int64_t>(length) > limit) {
    return JsonResponse(422, {{"error", "the reply has " + std::to_string(length) + " characters as " + c.platform +
                                            " counts them; it allows " + std::to_string(limit)},
                              {"code", "too_long"},
                              {"length", length},
                              {"limit", limit}});
  }
  if (is_private && c.platform == "facebook" && clock_->NowMs() - c.received_ms > kFacebookPrivateWindowMs) {
    return ErrorResponse(422, "window_closed",
                         "Facebook allows a private reply only within 7 days of the comment; reply in public instead");
  }
  Response err;
  replies::ReplyStore* rs = StoreLocked(&err);
  if (!rs) return err;
  replies::NewReply nr{item_id, text, is_private, tmpl, actor, key};
  const int64_t now = clock_->NowMs();
  bool created = false;
  auto row = rs->Enqueue(nr, now, &created);
  if (!row.ok()) {
    spdlog::error("reply to item {}: {}", item_id, FormatErrors(row.errors()));
    return ErrorResponse(500, "store", "the reply could not be queued; see the server log");
  }
  return JsonResponse(created ? 201 : 200, {{"reply", ReplyJson(row.value())}});
}

}  // namespace aasr::review
