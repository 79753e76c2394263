#include "bot/review/outreach_api.h"

#include <algorithm>
#include <charconv>

#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bot/review/api.h"

namespace aasr::review {

using nlohmann::json;
using outreach::OutboxRow;
using outreach::OutboxState;

namespace {

constexpr int kDefaultLimit = 100;
constexpr int kMaxLimit = 500;

std::optional<OutboxState> ParseOutboxState(const std::string& s) {
  for (OutboxState st : {OutboxState::kFailed, OutboxState::kPlanned, OutboxState::kSending,
                         OutboxState::kPublished})
    if (s == outreach::OutboxStateName(st)) return st;
  return std::nullopt;
}

json RowJson(const OutboxRow& r) {
  json images = json::array();
  for (const auto& im : r.post.images) images.push_back({{"file", im.file}, {"alt", im.alt}});
  return json{{"id", r.id},
              {"kind", r.kind},
              {"item_id", r.item_id},
              {"account", r.account},
              {"platform", r.platform},
              {"state", outreach::OutboxStateName(r.state)},
              {"attempts", r.attempts},
              {"planned_at", r.planned_at},
              {"next_attempt_at", r.next_attempt_at},
              {"error", r.error},
              {"url", r.url},
              {"remote_id", r.remote_id},
              {"link", r.post.link},
              {"text", r.post.text},
              {"images", images},
              {"created_at", r.created_at},
              {"updated_at", r.updated_at}};
}

Response StoreFailure(const std::string& what, const Errors& errors, const std::string& path) {
  spdlog::error("outreach {}: {}", what, FormatErrors(errors));
  return ErrorResponse(500, "store", "the outreach database " + path + " failed (" + what +
                                         "); see the server log");
}

}  // namespace

OutreachApi::OutreachApi(std::string db_path, store::StorePtr audit_store,
                         std::shared_ptr<const aasr::Clock> clock)
    : db_path_(std::move(db_path)), audit_(std::move(audit_store)), clock_(std::move(clock)) {}

outreach::OutreachStore* OutreachApi::StoreLocked(Response* error) {
  if (store_) return store_.get();
  auto opened = outreach::OutreachStore::Open(db_path_);
  if (!opened.ok()) {
    *error = StoreFailure("open", opened.errors(), db_path_);
    return nullptr;
  }
  store_ = std::move(opened.value());
  return store_.get();
}

Response OutreachApi::List(const Request& r) {
  // Which states, in the order they are shown.
  std::vector<OutboxState> order;
  const std::string state = r.Query("state");
  if (state.empty()) {
    order = {OutboxState::kFailed, OutboxState::kPlanned};
  } else if (state == "all") {
    order = {OutboxState::kFailed, OutboxState::kSending, OutboxState::kPlanned,
             OutboxState::kPublished};
  } else {
    size_t start = 0;
    while (start <= state.size()) {
      size_t end = state.find(',', start);
      if (end == std::string::npos) end = state.size();
      std::string one = state.substr(start, end - start);
      auto st = ParseOutboxState(one);
      if (!st)
        return ErrorResponse(400, "bad_request",
                             "unknown state '" + one +
                                 "' (failed, planned, sending, published, all)");
      if (std::find(order.begin(), order.end(), *st) == order.end()) order.push_back(*st);
      start = end + 1;
    }
  }
  int limit = kDefaultLimit;
  if (const std::string l = r.Query("limit"); !l.empty()) {
    int v = 0;
    auto [p, ec] = std::from_chars(l.data(), l.data() + l.size(), v);
    if (ec != std::errc() || p != l.data() + l.size() || v <= 0)
      return ErrorResponse(400, "bad_request", "limit must be a positive integer");
    limit = std::min(v, kMaxLimit);
  }

  std::vector<OutboxRow> rows;
  {
    std::lock_guard<std::mutex> lock(mu_);
    Response error;
    auto* st = StoreLocked(&error);
    if (!st) return error;
    auto all = st->ListOutbox();
    if (!all.ok()) return StoreFailure("list", all.errors(), db_path_);
    rows = std::move(all.value());
  }
  json counts{{"failed", 0}, {"planned", 0}, {"sending", 0}, {"published", 0}};
  for (const auto& row : rows) counts[outreach::OutboxStateName(row.state)] =
      counts[outreach::OutboxStateName(row.state)].get<int>() + 1;

  auto rank = [&](OutboxState s) {
    return static_cast<size_t>(std::find(order.begin(), order.end(), s) - order.begin());
  };
  rows.erase(std::remove_if(rows.begin(), rows.end(),
                            [&](const OutboxRow& x) { return rank(x.state) == order.size(); }),
             rows.end());
  // Within a state, newest first: a failure is dated by its last attempt.
  auto newest = [](const OutboxRow& x) {
    return x.state == OutboxState::kPlanned ? x.planned_at : std::max(x.updated_at, x.planned_at);
  };
  std::stable_sort(rows.begin(), rows.end(), [&](const OutboxRow& a, const OutboxRow& b) {
    if (rank(a.state) != rank(b.state)) return rank(a.state) < rank(b.state);
    if (newest(a) != newest(b)) return newest(a) > newest(b);
    return a.id > b.id;
  });
  const bool more = rows.size() > static_cast<size_t>(limit);
  if (more) rows.resize(limit);
  json out = json::array();
  for (const auto& row : rows) out.push_back(RowJson(row));
  return JsonResponse(200, {{"rows", out},
                            {"counts", counts},
                            {"truncated", more},
                            {"now", clock_->NowUnix()}});
}

Response OutreachApi::Retry(int64_t id, const std::string& actor) {
  const int64_t now = clock_->NowUnix();
  std::lock_guard<std::mutex> lock(mu_);
  Response error;
  auto* st = StoreLocked(&error);
  if (!st) return error;
  auto row = st->GetOutbox(id);
  if (!row.ok()) return StoreFailure("read row", row.errors(), db_path_);
  if (!row.value()) return ErrorResponse(404, "not_found", "no outbox row " + std::to_string(id));
  const OutboxRow& before = *row.value();
  if (before.state != OutboxState::kFailed)
    return JsonResponse(
        409, {{"code", "conflict"},
              {"state", outreach::OutboxStateName(before.state)},
              {"error", "outbox row " + std::to_string(id) + " is " +
                            outreach::OutboxStateName(before.state) +
                            ", not failed; only failed posts can be retried"}});
  Status requeued = st->RequeueFailed(id, now);
  if (!requeued.ok()) {
    // Another process (the CLI) changed it between the read and the update.
    return JsonResponse(409, {{"code", "conflict"},
                              {"error", requeued.errors().front().ToString()}});
  }
  store::AuditEntry a;
  a.actor = actor;
  a.action = "outreach.retry";
  a.from_state = "failed";
  a.to_state = "planned";
  a.note = "outbox row " + std::to_string(id) + " (" + before.account + " on " + before.platform +
           ", " + before.kind + " " + before.item_id + ", " + std::to_string(before.attempts) +
           " attempt(s)); last error: " + before.error;
  Status audited = audit_->AppendAudit(a);
  auto after = st->GetOutbox(id);
  json row_json = after.ok() && after.value() ? RowJson(*after.value()) : json(nullptr);
  if (!audited.ok()) {
    spdlog::error("outreach retry of row {} by {}: audit failed: {}", id, actor,
                  FormatErrors(audited.errors()));
    return ErrorResponse(500, "store",
                         "outbox row " + std::to_string(id) +
                             " is planned again, but its audit entry could not be written; see "
                             "the server log");
  }
  spdlog::info("outreach retry: row {} by {}", id, actor);
  return JsonResponse(200, {{"row", row_json}});
}

}  // namespace aasr::review
