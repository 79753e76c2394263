#include "bot/net/http_client.h"

#include <algorithm>
#include <cctype>
#include <ctime>

#include <cpprest/http_client.h>
#include <nlohmann/json.hpp>
#include <spdlog/spdlog.h>

#include "bot/net/redact.h"
#include "bot/net/rfc3339.h"

namespace aasr::net {
namespace {

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

bool AllDigits(const std::string& s) {
  return !s.empty() && std::all_of(s.begin(), s.end(), [](unsigned char c) { return std::isdigit(c); });
}

std::string Trim(const std::string& s) {
  size_t b = s.find_first_not_of(" \t");
  size_t e = s.find_last_not_of(" \t");
  return b == std::string::npos ? "" : s.substr(b, e - b + 1);
}

bool IsRetryableStatus(int status) { return status == 500 || status == 502 || status == 503 || status == 504; }

Millis Until(WallTime t, WallTime now) {
  auto d = std::chrono::duration_cast<Millis>(t - now);
  return d.count() > 0 ? d : Millis(0);
}

// The outcome of one attempt: an HTTP answer, or why there was none.
struct Attempt {
  std::optional<Response> response;
  std::string failure;
};

}  // namespace

std::string FindHeader(const Headers& headers, const std::string& name) {
  std::string n = Lower(name);
  for (const auto& [k, v] : headers) {
    if (Lower(k) == n) return v;
  }
  return "";
}

std::vector<Budget> MastodonBudgets() {
  // docs.joinmastodon.org/api/rate-limits: 300 calls per 5 minutes per
  // account; media uploads 30 per 30 minutes (config/initializers/
  // rack_attack.rb throttle_api_media). Creating statuses: 300 per 3 hours
  // (app/lib/rate_limiter.rb FAMILIES[:statuses]).
  return {{"requests", 300, Millis(5 * 60 * 1000)},
          {"media", 30, Millis(30 * 60 * 1000)},
          {"statuses", 300, Millis(3 * 60 * 60 * 1000)}};
}

std::vector<Budget> BlueskyBudgets() {
  // docs.bsky.app rate limits: 5,000 points per hour and 35,000 per day per
  // account (create 3, update 2, delete 1), and 3,000 requests per 5 minutes
  // per IP. A write is charged to both point budgets.
  return {{"points", 5000, Millis(60 * 60 * 1000)},
          {"points_day", 35000, Millis(24 * 60 * 60 * 1000)},
          {"requests", 3000, Millis(5 * 60 * 1000)}};
}

struct HttpClient::Impl {
  std::mutex mu;
  std::map<std::string, std::shared_ptr<web::http::client::http_client>> clients;

  std::shared_ptr<web::http::client::http_client> ClientFor(const std::string& origin, Millis timeout) {
    std::lock_guard<std::mutex> lock(mu);
    auto it = clients.find(origin);
    if (it != clients.end()) return it->second;
    web::http::client::http_client_config config;
    config.set_timeout(timeout);
    auto client = std::make_shared<web::http::client::http_client>(web::uri(origin), config);
    clients[origin] = client;
    return client;
  }

  Attempt Once(const web::uri& uri, const Request& req, const Options& options) {
    Attempt out;
    try {
      std::string origin = uri.scheme() + "://" + uri.host();
      if (!uri.is_port_default()) origin += ":" + std::to_string(uri.port());
      auto client = ClientFor(origin, options.timeout);
      web::http::http_request hr{web::http::method(req.method)};
      hr.set_request_uri(web::uri(uri.resource().to_string()));
      std::string content_type;
      bool has_agent = false;
      for (const auto& [k, v] : req.headers) {
        std::string lk = Lower(k);
        if (lk == "content-type") {
          content_type = v;
          continue;
        }
        if (lk == "user-agent") has_agent = true;
        hr.headers().add(k, v);
      }
      if (!has_agent) hr.headers().add("User-Agent", options.user_agent);
      if (!req.body.empty() || req.method == "POST" || req.method == "PUT" || req.method == "PATCH") {
        // Bytes, not set_body(std::string): that overload wraps a
        // streambuf<char> and cpprestsdk's converting constructor
        // (astreambuf.h, streambuf(const streambuf<AlterCharType>&))
        // reinterprets it as streambuf<uint8_t> through void*, a member call
        // on an object of another type that UBSan's vptr check rightly
        // reports. The vector overload builds a streambuf<uint8_t> itself.
        hr.set_body(std::vector<unsigned char>(req.body.begin(), req.body.end()));
        hr.headers().set_content_type(content_type.empty() ? std::string("application/octet-stream") : content_type);
      }
      web::http::http_response hresp = client->request(hr).get();
      Response resp;
      resp.status = hresp.status_code();
      for (const auto& [k, v] : hresp.headers()) resp.headers.emplace_back(k, v);
      std::vector<unsigned char> bytes = hresp.extract_vector().get();
      resp.body.assign(bytes.begin(), bytes.end());
      out.response = std::move(resp);
    } catch (const web::http::http_exception& e) {
      out.failure = e.what();
    } catch (const std::exception& e) {
      out.failure = e.what();
    }
    return out;
  }
};

HttpClient::HttpClient(Options options, Clock* clock, Random* random)
    : options_(std::move(options)), clock_(clock), random_(random), impl_(std::make_unique<Impl>()) {}

HttpClient::~HttpClient() = default;

Millis HttpClient::Backoff(int retry_index) {
  double d = static_cast<double>(options_.base_backoff.count());
  for (int i = 0; i < retry_index && d < options_.max_backoff.count(); ++i) d *= 2;
  d = std::min(d, static_cast<double>(options_.max_backoff.count()));
  // "Equal jitter": half fixed, half random, so retries from many clients
  // spread out but never collapse to zero.
  return Millis(static_cast<int64_t>(d / 2 + random_->Uniform01() * d / 2));
}

Status HttpClient::Pace(const Request& request) {
  for (;;) {
    Millis wait{0};
    {
      std::lock_guard<std::mutex> lock(mu_);
      WallTime now = clock_->Now();
      // The account-wide state and this call's family only: another
      // family's empty bucket does not concern this call.
      for (const std::string& family : {std::string(), request.rate_family}) {
        auto blocked = server_blocked_until_.find(family);
        if (blocked == server_blocked_until_.end()) continue;
        if (blocked->second > now) {
          wait = std::max(wait, Until(blocked->second, now));
        } else {
          server_blocked_until_.erase(blocked);
        }
      }
      for (const Charge& charge : request.charges) {
        const Budget* budget = nullptr;
        for (const Budget& b : options_.budgets) {
          if (b.name == charge.budget) budget = &b;
        }
        if (budget == nullptr) continue;
        if (charge.cost > budget->capacity) {
          return Error{{Describe(request)}, options_.subject,
                       "costs " + std::to_string(charge.cost) + " points, more than the whole '" +
                           budget->name + "' budget",
                       ErrorCode::kRefused};
        }
        auto& log = spent_[budget->name];
        WallTime window_start = now - budget->window;
        log.erase(std::remove_if(log.begin(), log.end(), [&](const auto& e) { return e.first <= window_start; }),
                  log.end());
        int used = 0;
        for (const auto& e : log) used += e.second;
        if (used + charge.cost > budget->capacity) {
          // Wait until enough of the oldest entries leave the window.
          int excess = used + charge.cost - budget->capacity;
          for (const auto& e : log) {
            excess -= e.second;
            if (excess <= 0) {
              wait = std::max(wait, Until(e.first + budget->window, now) + Millis(1));
              break;
            }
          }
        }
      }
      if (wait.count() == 0) {
        for (const Charge& charge : request.charges) {
          for (const Budget& b : options_.budgets) {
            if (b.name == charge.budget) spent_[b.name].emplace_back(now, charge.cost);
          }
        }
        return Ok{};
      }
      if (wait > options_.max_wait) {
        return Error{{Describe(request)}, options_.subject,
                     "rate limit: the next slot is " + std::to_string(wait.count() / 1000) +
                         " s away, longer than the " + std::to_string(options_.max_wait.count() / 1000) +
                         " s this client may wait",
                     ErrorCode::kRateLimited};
      }
    }
    spdlog::debug("{}: pacing {} ms before {}", options_.subject, wait.count(), Describe(request));
    Count(0, 0, wait);
    clock_->SleepFor(wait);
  }
}

void HttpClient::Remember(const Request& request, const Response& response) {
  // Graph API: X-Business-Use-Case-Usage {"<id>": [{"type": "pages",
  // "call_count": 100, ..., "estimated_time_to_regain_access": <minutes>}]}.
  std::string buc = response.header("X-Business-Use-Case-Usage");
  if (!buc.empty()) {
    nlohmann::json j = nlohmann::json::parse(buc, nullptr, false);
    int64_t minutes = 0;
    if (j.is_object()) {
      for (const auto& [id, entries] : j.items()) {
        if (!entries.is_array()) continue;
        for (const auto& e : entries) {
          if (e.is_object() && e.contains("estimated_time_to_regain_access") &&
              e["estimated_time_to_regain_access"].is_number_integer()) {
            minutes = std::max(minutes, e["estimated_time_to_regain_access"].get<int64_t>());
          }
        }
      }
    }
    if (minutes > 0) {
      std::lock_guard<std::mutex> lock(mu_);
      server_blocked_until_[""] = clock_->Now() + std::chrono::minutes(minutes);
      return;
    }
  }
  std::string remaining = response.header("X-RateLimit-Remaining");
  std::string reset = response.header("X-RateLimit-Reset");
  if (remaining.empty()) {
    remaining = response.header("RateLimit-Remaining");
    reset = response.header("RateLimit-Reset");
  }
  if (Trim(remaining) != "0") return;
  std::optional<WallTime> until = ParseResetTime(Trim(reset));
  if (!until) return;
  // "An API method can be subject to multiple overlapping rate limits. The
  // headers return information about the one you are closest to exceeding"
  // (docs.joinmastodon.org/api/rate-limits): a family's call that reports a
  // limit other than the family's capacity hit the account-wide one.
  std::string family = request.rate_family;
  if (!family.empty()) {
    const std::string limit = Trim(response.header("X-RateLimit-Limit").empty() ? response.header("RateLimit-Limit")
                                                                                : response.header("X-RateLimit-Limit"));
    for (const Budget& b : options_.budgets) {
      if (b.name == family && !limit.empty() && limit != std::to_string(b.capacity)) family.clear();
    }
  }
  std::lock_guard<std::mutex> lock(mu_);
  server_blocked_until_[family] = *until;
}

std::optional<Millis> HttpClient::RateLimitWait(const Response& response) {
  WallTime now = clock_->Now();
  std::string retry_after = response.header("Retry-After");
  if (!retry_after.empty()) {
    if (auto d = ParseRetryAfter(retry_after, now)) return d;
  }
  for (const char* name : {"X-RateLimit-Reset", "RateLimit-Reset"}) {
    std::string v = response.header(name);
    if (v.empty()) continue;
    if (auto t = ParseResetTime(Trim(v))) return Until(*t, now);
  }
  return std::nullopt;
}

Result<Response> HttpClient::Send(const Request& request) {
  web::uri uri;
  try {
    uri = web::uri(request.url);
  } catch (const std::exception& e) {
    return Error{{RedactUrl(request.url)}, options_.subject, std::string("not a valid URL: ") + e.what(),
                 ErrorCode::kInvalidInput};
  }
  if (uri.scheme() != "http" && uri.scheme() != "https") {
    return Error{{RedactUrl(request.url)}, options_.subject, "only http and https URLs are supported",
                 ErrorCode::kInvalidInput};
  }
  std::string last_failure;
  int attempts = std::max(1, options_.max_attempts);
  for (int attempt = 1; attempt <= attempts; ++attempt) {
    Status paced = Pace(request);
    if (!paced.ok()) return paced.errors();
    Attempt a = impl_->Once(uri, request, options_);
    if (!a.response) {
      Count(1, 1, std::nullopt);
      last_failure = a.failure;
      spdlog::warn("{}: {} failed (attempt {}/{}): {}", options_.subject, Describe(request), attempt, attempts,
                   RedactText(a.failure));
      if (!request.retry) break;
      if (attempt < attempts) clock_->SleepFor(Backoff(attempt - 1));
      continue;
    }
    Response resp = std::move(*a.response);
    resp.attempts = attempt;
    Count(1, resp.status >= 400 ? 1 : 0, std::nullopt);
    spdlog::debug("{}: {} -> {} (attempt {})", options_.subject, Describe(request), resp.status, attempt);
    Remember(request, resp);
    if (resp.status == 429) {
      // 429 means the server did not act on the request, so trying again
      // later is safe even for calls that are otherwise not retried.
      Millis wait = RateLimitWait(resp).value_or(Backoff(attempt - 1));
      if (wait > options_.max_wait) {
        Error e = ResponseError(request, resp, options_.subject);
        e.code = ErrorCode::kRateLimited;
        e.message += " (rate limited for " + std::to_string(wait.count() / 1000) + " s; not waiting that long)";
        return e;
      }
      if (attempt == attempts) return resp;
      Count(0, 0, wait);
      clock_->SleepFor(wait);
      continue;
    }
    if (IsRetryableStatus(resp.status) && request.retry && attempt < attempts) {
      clock_->SleepFor(Backoff(attempt - 1));
      continue;
    }
    return resp;
  }
  return Error{{Describe(request)}, options_.subject,
               "no answer after " + std::to_string(request.retry ? attempts : 1) +
                   " attempt(s): " + RedactText(last_failure),
               ErrorCode::kTransient};
}

void HttpClient::Count(int64_t requests, int64_t errors, std::optional<Millis> waited) {
  std::lock_guard<std::mutex> lock(stats_mu_);
  stats_.requests += requests;
  stats_.errors += errors;
  if (waited) {
    ++stats_.rate_limit_waits;
    stats_.rate_limit_wait_seconds += static_cast<double>(waited->count()) / 1000.0;
  }
}

HttpStats HttpClient::stats() const {
  std::lock_guard<std::mutex> lock(stats_mu_);
  return stats_;
}

Result<Response> HttpClient::Get(const std::string& url, Headers headers) {
  Request r;
  r.url = url;
  r.headers = std::move(headers);
  return Send(r);
}

std::string Describe(const Request& request) { return request.method + " " + RedactUrl(request.url); }

Error ResponseError(const Request& request, const Response& response, const std::string& subject) {
  std::string detail;
  nlohmann::json j = nlohmann::json::parse(response.body, nullptr, false);
  if (!j.is_discarded() && j.is_object() && j.contains("error")) {
    const auto& err = j["error"];
    if (err.is_string()) {
      detail = err.get<std::string>();  // Mastodon; AT Protocol's error name
      if (j.contains("message") && j["message"].is_string()) detail += ": " + j["message"].get<std::string>();
      if (j.contains("error_description") && j["error_description"].is_string()) {
        detail += ": " + j["error_description"].get<std::string>();
      }
    } else if (err.is_object()) {  // Graph API
      if (err.contains("type") && err["type"].is_string()) detail += err["type"].get<std::string>() + " ";
      // dump(), not get<int64_t>(): a code such as 1e300 must not be cast
      // to an integer it does not fit (undefined behaviour).
      if (err.contains("code") && err["code"].is_number()) detail += err["code"].dump() + ": ";
      if (err.contains("message") && err["message"].is_string()) detail += err["message"].get<std::string>();
    }
  } else if (!j.is_discarded() && j.is_object() && j.contains("message") && j["message"].is_string()) {
    detail = j["message"].get<std::string>();
  }
  if (detail.empty()) {
    detail = response.body.substr(0, 200);
    if (response.body.size() > 200) detail += "...";
    if (detail.empty()) detail = "(empty body)";
  }
  return Error{{Describe(request)}, subject, "HTTP " + std::to_string(response.status) + ": " + RedactText(detail),
               CodeForStatus(response.status)};
}

ErrorCode CodeForStatus(int status) {
  if (status == 429) return ErrorCode::kRateLimited;
  if (status == 401) return ErrorCode::kAuth;
  if (status == 404 || status == 410) return ErrorCode::kNotFound;
  if (status == 409) return ErrorCode::kConflict;
  if (status == 408 || status >= 500) return ErrorCode::kTransient;
  if (status >= 400) return ErrorCode::kRefused;
  return ErrorCode::kUnknown;
}

// Digits as seconds, clamped to `limit`: a server may send any number of
// digits, and std::stoll would throw past int64 (or the caller's * 1000
// overflow) on what is only "a very long time".
static int64_t ClampedSeconds(const std::string& digits, int64_t limit) {
  int64_t v = 0;
  for (char c : digits) {
    v = v * 10 + (c - '0');
    if (v > limit) return limit;
  }
  return v;
}

std::optional<Millis> ParseRetryAfter(const std::string& value, WallTime now) {
  std::string v = Trim(value);
  if (AllDigits(v)) return Millis(ClampedSeconds(v, kMaxRateLimitSeconds) * 1000);
  std::tm tm{};
  const char* end = strptime(v.c_str(), "%a, %d %b %Y %H:%M:%S GMT", &tm);
  if (end == nullptr || *end != '\0') return std::nullopt;
  // An HTTP date, as seconds from now, clamped like a delta (a year 9999
  // date would overflow from_time_t's nanoseconds).
  const int64_t then = static_cast<int64_t>(timegm(&tm));
  const int64_t now_s = std::chrono::duration_cast<std::chrono::seconds>(now.time_since_epoch()).count();
  if (then <= now_s) return Millis(0);
  return Millis(std::min(then - now_s, kMaxRateLimitSeconds) * 1000);
}

std::optional<WallTime> ParseResetTime(const std::string& value) {
  if (AllDigits(value)) {
    // Epoch seconds; the clamp keeps the time inside what WallTime holds.
    return WallTime(std::chrono::seconds(ClampedSeconds(value, kMaxResetEpochSeconds)));
  }
  return ParseRfc3339(value);
}

}  // namespace aasr::net
