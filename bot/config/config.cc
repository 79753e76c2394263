#include "bot/config/config.h"
#include "bot/util/cidr.h"

#include <algorithm>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>

#include <cctz/time_zone.h>
#include <re2/re2.h>

#include "bot/util/yaml.h"

namespace aasr::config {
namespace {

struct Context {
  std::string file;
  const Env* env;
  Errors* errors;
};

// One entry per top-level section. To add a section: a field in Config, a
// parse function here, a row in kSections.
struct Section {
  const char* key;
  void (*parse)(const YAML::Node& node, Context& ctx, Config* out);
};

bool ReadOptional(const YAML::Node& map, const char* key, Context& ctx, const std::string& subject,
                  std::string* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  return yaml::ReadString(n, ctx.file, subject, key, out, ctx.errors);
}

bool ReadRequired(const YAML::Node& map, const char* key, Context& ctx, const std::string& subject,
                  std::string* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) {
    ctx.errors->push_back(yaml::ErrorAt(map, ctx.file, std::string("missing required key '") + key + "'", subject));
    return false;
  }
  return yaml::ReadString(n, ctx.file, subject, key, out, ctx.errors);
}

void CheckUrl(const YAML::Node& map, const char* key, const std::string& value, Context& ctx,
              const std::string& subject) {
  static const RE2 kUrl(R"(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?)");
  if (!RE2::FullMatch(value, kUrl)) {
    ctx.errors->push_back(yaml::ErrorAt(map[key], ctx.file,
                                        std::string("'") + value + "' is not an http(s) URL (" + key + ")", subject));
  }
}

// Reads `<key>` (an environment variable NAME) and the variable's value.
void ReadSecret(const YAML::Node& map, const char* key, bool required, Context& ctx, const std::string& subject,
                std::string* name, std::string* value) {
  bool present = required ? ReadRequired(map, key, ctx, subject, name) : ReadOptional(map, key, ctx, subject, name);
  if (!present) return;
  static const RE2 kEnvName("[A-Za-z_][A-Za-z0-9_]*");
  if (!RE2::FullMatch(*name, kEnvName)) {
    ctx.errors->push_back(yaml::ErrorAt(map[key], ctx.file,
                                        "'" + *name + "' is not an environment variable name (" + key +
                                            " holds the variable's NAME, never the secret)",
                                        subject));
    return;
  }
  std::optional<std::string> v = (*ctx.env)(*name);
  if (!v || v->empty()) {
    ctx.errors->push_back(
        yaml::ErrorAt(map[key], ctx.file, "environment variable " + *name + " (" + key + ") is not set", subject));
    return;
  }
  *value = *v;
}


// An integer in [min, max]; absent keeps *out.
bool ReadInt(const YAML::Node& map, const char* key, int min, int max, Context& ctx, const std::string& subject,
             int* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  int v = 0;
  try {
    if (!n.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "");
    v = n.as<int>();
  } catch (const YAML::Exception&) {
    ctx.errors->push_back(yaml::ErrorAt(n, ctx.file, std::string(key) + " must be a whole number", subject));
    return false;
  }
  if (v < min || v > max) {
    ctx.errors->push_back(yaml::ErrorAt(n, ctx.file,
                                        std::string(key) + " must be between " + std::to_string(min) + " and " +
                                            std::to_string(max) + ", not " + std::to_string(v),
                                        subject));
    return false;
  }
  *out = v;
  return true;
}

bool ReadDouble(const YAML::Node& map, const char* key, double min, double max, Context& ctx,
                const std::string& subject, double* out) {
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return false;
  double v = 0;
  try {
    if (!n.IsScalar()) throw YAML::Exception(YAML::Mark::null_mark(), "");
    v = n.as<double>();
  } catch (const YAML::Exception&) {
    ctx.errors->push_back(yaml::ErrorAt(n, ctx.file, std::string(key) + " must be a number", subject));
    return false;
  }
  if (!(v >= min && v <= max)) {
    ctx.errors->push_back(yaml::ErrorAt(n, ctx.file,
                                        std::string(key) + " must be between " + std::to_string(min) + " and " +
                                            std::to_string(max),
                                        subject));
    return false;
  }
  *out = v;
  return true;
}

// A section that is one path (`database: var/aasr.db`).
template <std::string Config::*Field>
void ParsePath(const YAML::Node& node, Context& ctx, Config* out) {
  std::string v;
  if (!yaml::ReadString(node, ctx.file, "", "path", &v, ctx.errors)) return;
  if (v.empty()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "the path must not be empty"));
    return;
  }
  out->*Field = v;
}

void ParseReview(const YAML::Node& node, Context& ctx, Config* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "review must be a map, e.g. {listen: \"http://127.0.0.1:8080\"}"));
    return;
  }
  yaml::CheckKeys(node, {"listen", "public_url", "trusted_proxies", "secure_cookies", "base_path", "max_connections",
                         "max_connections_per_address", "header_timeout_seconds", "idle_timeout_seconds",
                         "body_timeout_seconds"},
                  ctx.file, "review", ctx.errors);
  ReviewTransport& t = out->review_transport;
  ReadInt(node, "max_connections", 1, 100000, ctx, "review", &t.max_connections);
  ReadInt(node, "max_connections_per_address", 1, 100000, ctx, "review", &t.max_connections_per_address);
  ReadInt(node, "header_timeout_seconds", 1, 3600, ctx, "review", &t.header_timeout_seconds);
  ReadInt(node, "idle_timeout_seconds", 1, 3600, ctx, "review", &t.idle_timeout_seconds);
  ReadInt(node, "body_timeout_seconds", 1, 3600, ctx, "review", &t.body_timeout_seconds);
  if (ReadOptional(node, "listen", ctx, "review", &out->review_listen)) {
    CheckUrl(node, "listen", out->review_listen, ctx, "review");
    // The server speaks plain HTTP; TLS is the reverse proxy's (README.md).
    if (out->review_listen.rfind("https://", 0) == 0)
      ctx.errors->push_back(yaml::ErrorAt(
          node["listen"], ctx.file,
          "the review server does not serve TLS itself: listen on http://127.0.0.1:PORT, put a TLS reverse proxy "
          "in front (README.md \"Behind a TLS reverse proxy\", packaging/nginx/aasr-bot.conf) and set "
          "review.public_url to the https:// address",
          "review"));
  }
  if (ReadOptional(node, "public_url", ctx, "review", &out->review_public_url)) {
    CheckUrl(node, "public_url", out->review_public_url, ctx, "review");
    while (!out->review_public_url.empty() && out->review_public_url.back() == '/') out->review_public_url.pop_back();
  }
  if (ReadOptional(node, "base_path", ctx, "review", &out->review_base_path)) {
    static const RE2 kPath(R"((/[A-Za-z0-9._~-]+)+/?|/)");
    if (!RE2::FullMatch(out->review_base_path, kPath))
      ctx.errors->push_back(yaml::ErrorAt(node["base_path"], ctx.file,
                                          "base_path '" + out->review_base_path + "' must be a path such as /aasr",
                                          "review"));
    while (!out->review_base_path.empty() && out->review_base_path.back() == '/') out->review_base_path.pop_back();
  }
  if (const YAML::Node sc = node["secure_cookies"]; sc.IsDefined() && !sc.IsNull()) {
    bool v = false;
    if (sc.IsScalar() && YAML::convert<bool>::decode(sc, v)) out->review_secure_cookies = v;
    else ctx.errors->push_back(yaml::ErrorAt(sc, ctx.file, "secure_cookies must be true or false", "review"));
  }
  if (const YAML::Node tp = node["trusted_proxies"]; tp.IsDefined() && !tp.IsNull()) {
    if (!tp.IsSequence()) {
      ctx.errors->push_back(yaml::ErrorAt(tp, ctx.file,
                                          "trusted_proxies must be a list of addresses or CIDR ranges, e.g. "
                                          "[127.0.0.1, \"::1\"]",
                                          "review"));
    } else {
      for (const YAML::Node& item : tp) {
        std::string v;
        if (!yaml::ReadString(item, ctx.file, "review", "trusted_proxies", &v, ctx.errors)) continue;
        auto c = ParseCidr(v);
        if (!c.ok()) ctx.errors->push_back(yaml::ErrorAt(item, ctx.file, c.errors().front().message, "review"));
        else out->review_trusted_proxies.push_back(v);
      }
    }
  }
}

// A list of strings (or one string) under `key`; each checked against `allowed` when given.
std::vector<std::string> ReadStringList(const YAML::Node& map, const char* key, const std::vector<std::string>& allowed,
                                        Context& ctx, const std::string& subject) {
  std::vector<std::string> out;
  const YAML::Node n = map[key];
  if (!n.IsDefined() || n.IsNull()) return out;
  auto one = [&](const YAML::Node& item) {
    std::string v;
    if (!yaml::ReadString(item, ctx.file, subject, key, &v, ctx.errors)) return;
    if (!allowed.empty() && std::find(allowed.begin(), allowed.end(), v) == allowed.end()) {
      std::string hint = yaml::DidYouMean(v, allowed);
      std::string all;
      for (const auto& a : allowed) all += (all.empty() ? "" : ", ") + a;
      ctx.errors->push_back(yaml::ErrorAt(item, ctx.file,
                                          "unknown " + std::string(key) + " '" + v + "'" +
                                              (hint.empty() ? "" : " (did you mean '" + hint + "'?)") + "; one of " +
                                              all,
                                          subject));
      return;
    }
    out.push_back(v);
  };
  if (n.IsSequence()) {
    for (const auto& item : n) one(item);
  } else if (n.IsScalar()) {
    one(n);
  } else {
    ctx.errors->push_back(yaml::ErrorAt(n, ctx.file, std::string(key) + " must be a list", subject));
  }
  return out;
}

// "HH:MM" -> minutes after midnight, or -1 with an error.
int ReadClock(const YAML::Node& map, const char* key, Context& ctx, const std::string& subject) {
  std::string v;
  if (!ReadRequired(map, key, ctx, subject, &v)) return -1;
  static const RE2 kClock("([01]?[0-9]|2[0-3]):([0-5][0-9])");
  int h = 0, m = 0;
  if (!RE2::FullMatch(v, kClock, &h, &m)) {
    ctx.errors->push_back(yaml::ErrorAt(map[key], ctx.file, std::string(key) + " must be a time of day HH:MM, not '" + v + "'", subject));
    return -1;
  }
  return h * 60 + m;
}

const std::vector<std::string>& AlertEvents() {
  static const std::vector<std::string> k = {"new_item", "escalated", "crisis_undecided", "account_down",
                                             "post_failed", "reload_rejected"};
  return k;
}

void ParseChannel(const YAML::Node& node, Context& ctx, std::set<std::string>* names, AlertsConfig* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "each alert channel must be a map with name and type", "alerts"));
    return;
  }
  AlertChannel c;
  c.where = yaml::Where(node, ctx.file);
  if (!ReadRequired(node, "name", ctx, "alert channel", &c.name)) return;
  const std::string subject = "alert channel " + c.name;
  static const RE2 kName("[a-z0-9][a-z0-9_-]*");
  if (!RE2::FullMatch(c.name, kName))
    ctx.errors->push_back(yaml::ErrorAt(node["name"], ctx.file,
                                        "channel name '" + c.name + "' must be lowercase letters, digits, - and _", subject));
  if (!names->insert(c.name).second)
    ctx.errors->push_back(yaml::ErrorAt(node["name"], ctx.file, "duplicate channel name '" + c.name + "'", subject));
  std::string type;
  if (!ReadRequired(node, "type", ctx, subject, &type)) return;
  std::vector<std::string> keys = {"name", "type", "url", "excerpt", "quiet_hours", "digest", "digest_hour", "max_per_minute"};
  c.excerpt = 200;
  if (type == "email") {
    c.kind = ChannelKind::kEmail;
    c.excerpt = 0;  // alerts leave the machine; mail is kept and forwarded
    keys.insert(keys.end(), {"from", "to", "starttls", "username", "password_env"});
    if (ReadRequired(node, "url", ctx, subject, &c.url)) {
      static const RE2 kSmtp(R"(smtps?://[A-Za-z0-9.-]+(:[0-9]{1,5})?/?)");
      if (!RE2::FullMatch(c.url, kSmtp))
        ctx.errors->push_back(yaml::ErrorAt(node["url"], ctx.file,
                                            "'" + c.url + "' is not an smtp:// or smtps:// server URL (url)", subject));
    }
    ReadRequired(node, "from", ctx, subject, &c.from);
    c.to = ReadStringList(node, "to", {}, ctx, subject);
    if (c.to.empty() && node["to"].IsDefined() == false)
      ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "missing required key 'to'", subject));
    if (ReadOptional(node, "starttls", ctx, subject, &c.starttls) && c.starttls != "required" &&
        c.starttls != "optional" && c.starttls != "off")
      ctx.errors->push_back(yaml::ErrorAt(node["starttls"], ctx.file, "starttls must be required, optional or off", subject));
    ReadOptional(node, "username", ctx, subject, &c.username);
    ReadSecret(node, "password_env", false, ctx, subject, &c.password_env, &c.password);
    if (!c.username.empty() && c.password_env.empty())
      ctx.errors->push_back(yaml::ErrorAt(node["username"], ctx.file, "username needs password_env", subject));
  } else if (type == "webhook" || type == "slack" || type == "discord" || type == "ntfy") {
    c.kind = type == "webhook" ? ChannelKind::kWebhook
             : type == "slack" ? ChannelKind::kSlack
             : type == "discord" ? ChannelKind::kDiscord
                                 : ChannelKind::kNtfy;
    // Slack's and Discord's webhook URLs are themselves the secret: read from the environment.
    if (type == "slack" || type == "discord") {
      keys.push_back("url_env");
      std::string name;
      ReadSecret(node, "url_env", true, ctx, subject, &name, &c.url);
      if (!c.url.empty() && !RE2::FullMatch(c.url, R"(https?://[A-Za-z0-9.-]+(:[0-9]{1,5})?(/[^\s]*)?)"))
        ctx.errors->push_back(yaml::ErrorAt(node["url_env"], ctx.file, "the URL in " + name + " is not an http(s) URL", subject));
      if (node["url"].IsDefined())
        ctx.errors->push_back(yaml::ErrorAt(node["url"], ctx.file,
                                            "a " + type + " webhook URL is a secret: put it in an environment variable and name it in url_env",
                                            subject));
    } else if (ReadRequired(node, "url", ctx, subject, &c.url)) {
      CheckUrl(node, "url", c.url, ctx, subject);
    }
    if (type == "webhook") {
      keys.push_back("secret_env");
      ReadSecret(node, "secret_env", true, ctx, subject, &c.secret_env, &c.secret);
    }
    if (type == "ntfy") {
      keys.push_back("token_env");
      ReadSecret(node, "token_env", false, ctx, subject, &c.token_env, &c.token);
    }
  } else if (type == "matrix") {
    c.kind = ChannelKind::kMatrix;
    keys.insert(keys.end(), {"room", "token_env"});
    if (ReadRequired(node, "url", ctx, subject, &c.url)) CheckUrl(node, "url", c.url, ctx, subject);
    if (ReadRequired(node, "room", ctx, subject, &c.room) && !RE2::FullMatch(c.room, R"([!#][^:\s]+:[^\s]+)"))
      ctx.errors->push_back(yaml::ErrorAt(node["room"], ctx.file, "room must be a room id like !abc:example.org", subject));
    ReadSecret(node, "token_env", true, ctx, subject, &c.token_env, &c.token);
  } else {
    static const std::vector<std::string> kTypes = {"email", "webhook", "slack", "discord", "matrix", "ntfy"};
    std::string hint = yaml::DidYouMean(type, kTypes);
    ctx.errors->push_back(yaml::ErrorAt(node["type"], ctx.file,
                                        "unknown channel type '" + type + "'" +
                                            (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                                            "; one of email, webhook, slack, discord, matrix, ntfy",
                                        subject));
    return;
  }
  while (!c.url.empty() && c.url.back() == '/' && c.kind != ChannelKind::kEmail) c.url.pop_back();
  ReadInt(node, "excerpt", 0, 1000, ctx, subject, &c.excerpt);
  ReadInt(node, "max_per_minute", 1, 600, ctx, subject, &c.max_per_minute);
  ReadInt(node, "digest_hour", 0, 23, ctx, subject, &c.digest_hour);
  if (ReadOptional(node, "digest", ctx, subject, &c.digest) && c.digest != "hourly" && c.digest != "daily")
    ctx.errors->push_back(yaml::ErrorAt(node["digest"], ctx.file, "digest must be hourly or daily", subject));
  const YAML::Node q = node["quiet_hours"];
  if (q.IsDefined() && !q.IsNull()) {
    if (!q.IsMap()) {
      ctx.errors->push_back(yaml::ErrorAt(q, ctx.file, "quiet_hours must be a map {from: \"22:00\", to: \"07:00\", time_zone: Europe/Paris}", subject));
    } else {
      yaml::CheckKeys(q, {"from", "to", "time_zone"}, ctx.file, subject, ctx.errors);
      int from = ReadClock(q, "from", ctx, subject), to = ReadClock(q, "to", ctx, subject);
      std::string tz = "UTC";
      ReadOptional(q, "time_zone", ctx, subject, &tz);
      cctz::time_zone zone;
      if (!cctz::load_time_zone(tz, &zone)) {
        ctx.errors->push_back(yaml::ErrorAt(q["time_zone"], ctx.file, "unknown time zone '" + tz + "' (an IANA name such as Europe/Paris)", subject));
      } else if (from >= 0 && to >= 0) {
        if (from == to)
          ctx.errors->push_back(yaml::ErrorAt(q, ctx.file, "quiet_hours from and to must differ", subject));
        c.quiet = QuietHours{from, to, tz};
      }
    }
  }
  yaml::CheckKeys(node, keys, ctx.file, subject, ctx.errors);
  out->channels.push_back(std::move(c));
}

void ParseRoute(const YAML::Node& node, Context& ctx, AlertsConfig* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "each alert route must be a map with channels", "alerts"));
    return;
  }
  AlertRoute r;
  r.where = yaml::Where(node, ctx.file);
  const std::string subject = "alert route";
  yaml::CheckKeys(node, {"events", "categories", "priorities", "channels"}, ctx.file, subject, ctx.errors);
  r.events = ReadStringList(node, "events", AlertEvents(), ctx, subject);
  r.categories = ReadStringList(node, "categories", {}, ctx, subject);
  for (const std::string& p : ReadStringList(node, "priorities", {"low", "normal", "high", "urgent"}, ctx, subject))
    r.priorities.push_back(p == "low" ? 0 : p == "normal" ? 1 : p == "high" ? 2 : 3);
  r.channels = ReadStringList(node, "channels", {}, ctx, subject);
  if (r.channels.empty())
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "a route needs channels: [NAME, ...]", subject));
  const YAML::Node chans = node["channels"];
  size_t i = 0;
  for (const std::string& name : r.channels) {
    if (!out->FindChannel(name)) {
      std::vector<std::string> known;
      for (const auto& c : out->channels) known.push_back(c.name);
      std::string hint = yaml::DidYouMean(name, known);
      const YAML::Node at = chans.IsSequence() && i < chans.size() ? chans[i] : chans;
      ctx.errors->push_back(yaml::ErrorAt(at, ctx.file,
                                          "no alert channel named '" + name + "'" +
                                              (hint.empty() ? "" : " (did you mean '" + hint + "'?)"),
                                          subject));
    }
    ++i;
  }
  out->routes.push_back(std::move(r));
}

void ParseAlerts(const YAML::Node& node, Context& ctx, Config* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "alerts must be a map with channels and routes"));
    return;
  }
  yaml::CheckKeys(node, {"channels", "routes", "crisis_undecided_minutes", "account_down_minutes"}, ctx.file, "alerts",
                  ctx.errors);
  AlertsConfig& a = out->alerts;
  ReadInt(node, "crisis_undecided_minutes", 0, 24 * 60, ctx, "alerts", &a.crisis_undecided_minutes);
  ReadInt(node, "account_down_minutes", 0, 7 * 24 * 60, ctx, "alerts", &a.account_down_minutes);
  const YAML::Node chans = node["channels"];
  std::set<std::string> names;
  if (chans.IsDefined() && !chans.IsNull()) {
    if (!chans.IsSequence()) ctx.errors->push_back(yaml::ErrorAt(chans, ctx.file, "alerts channels must be a list", "alerts"));
    else
      for (const auto& c : chans) ParseChannel(c, ctx, &names, &a);
  }
  const YAML::Node routes = node["routes"];
  if (routes.IsDefined() && !routes.IsNull()) {
    if (!routes.IsSequence()) ctx.errors->push_back(yaml::ErrorAt(routes, ctx.file, "alerts routes must be a list", "alerts"));
    else
      for (const auto& r : routes) ParseRoute(r, ctx, &a);
  }
}

void ParsePolling(const YAML::Node& node, Context& ctx, Config* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "polling must be a map"));
    return;
  }
  yaml::CheckKeys(node, {"seconds", "jitter", "actions_seconds", "outreach_seconds", "reload_seconds"}, ctx.file,
                  "polling", ctx.errors);
  ReadInt(node, "seconds", 1, 86400, ctx, "polling", &out->poll_seconds);
  ReadDouble(node, "jitter", 0.0, 0.5, ctx, "polling", &out->poll_jitter);
  ReadInt(node, "actions_seconds", 1, 3600, ctx, "polling", &out->actions_seconds);
  ReadInt(node, "outreach_seconds", 1, 3600, ctx, "polling", &out->outreach_seconds);
  ReadInt(node, "reload_seconds", 1, 3600, ctx, "polling", &out->reload_seconds);
}

void ParseRetention(const YAML::Node& node, Context& ctx, Config* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "retention must be a map"));
    return;
  }
  yaml::CheckKeys(node, {"allowed_comments_days", "flagged_days", "audit_excerpt_days"}, ctx.file,
                  "retention", ctx.errors);
  // 0 keeps forever; 36500: a century, to catch a misplaced unit.
  ReadInt(node, "allowed_comments_days", 0, 36500, ctx, "retention", &out->retention.allowed_days);
  ReadInt(node, "flagged_days", 0, 36500, ctx, "retention", &out->retention.flagged_days);
  ReadInt(node, "audit_excerpt_days", 0, 36500, ctx, "retention",
          &out->retention.audit_excerpt_days);
  const Retention& r = out->retention;
  if (r.allowed_days > 0 && r.flagged_days > 0 && r.flagged_days < r.allowed_days)
    ctx.errors->push_back(yaml::ErrorAt(node["flagged_days"], ctx.file,
                                        "flagged_days (" + std::to_string(r.flagged_days) +
                                            ") is shorter than allowed_comments_days (" +
                                            std::to_string(r.allowed_days) +
                                            "): flagged comments are kept longer, not shorter",
                                        "retention"));
}

void ParseHealth(const YAML::Node& node, Context& ctx, Config* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "health must be a map"));
    return;
  }
  yaml::CheckKeys(node, {"token_env", "stall_polls", "stall_min_seconds"}, ctx.file, "health", ctx.errors);
  ReadSecret(node, "token_env", false, ctx, "health", &out->health.token_env, &out->health.token);
  ReadInt(node, "stall_polls", 1, 1000, ctx, "health", &out->health.stall_polls);
  ReadInt(node, "stall_min_seconds", 1, 7 * 86400, ctx, "health", &out->health.stall_min_seconds);
}

bool CheckLevel(const YAML::Node& n, const std::string& level, Context& ctx, const std::string& subject) {
  static const std::vector<std::string> kLevels = {"trace", "debug", "info", "warn", "error", "critical", "off"};
  for (const auto& l : kLevels)
    if (l == level) return true;
  std::string hint = yaml::DidYouMean(level, kLevels);
  ctx.errors->push_back(yaml::ErrorAt(n, ctx.file,
                                      "unknown log level '" + level + "'" +
                                          (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                                          "; one of trace, debug, info, warn, error, critical, off",
                                      subject));
  return false;
}

void ParseLog(const YAML::Node& node, Context& ctx, Config* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "log must be a map"));
    return;
  }
  yaml::CheckKeys(node, {"format", "level", "components"}, ctx.file, "log", ctx.errors);
  if (ReadOptional(node, "format", ctx, "log", &out->log.format) && out->log.format != "text" &&
      out->log.format != "json") {
    ctx.errors->push_back(yaml::ErrorAt(node["format"], ctx.file, "log format must be text or json", "log"));
  }
  if (ReadOptional(node, "level", ctx, "log", &out->log.level)) CheckLevel(node["level"], out->log.level, ctx, "log");
  const YAML::Node comps = node["components"];
  if (!comps.IsDefined() || comps.IsNull()) return;
  if (!comps.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(comps, ctx.file, "log components must be a map of component: level", "log"));
    return;
  }
  for (const auto& kv : comps) {
    std::string name, level;
    if (!yaml::ReadString(kv.first, ctx.file, "log", "component", &name, ctx.errors)) continue;
    if (!yaml::ReadString(kv.second, ctx.file, "log", name, &level, ctx.errors)) continue;
    if (CheckLevel(kv.second, level, ctx, "log component " + name)) out->log.components.emplace_back(name, level);
  }
}

void ParseAccount(const YAML::Node& node, Context& ctx, std::set<std::string>* names, Config* out) {
  if (!node.IsMap()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "each account must be a map with name and platform"));
    return;
  }
  Account a;
  a.where = yaml::Where(node, ctx.file);
  if (!ReadRequired(node, "name", ctx, "account", &a.name)) return;
  std::string subject = "account " + a.name;
  static const RE2 kName("[a-z0-9][a-z0-9_-]*");
  if (!RE2::FullMatch(a.name, kName)) {
    ctx.errors->push_back(yaml::ErrorAt(node["name"], ctx.file,
                                        "account name '" + a.name + "' must be lowercase letters, digits, - and _",
                                        subject));
  }
  if (!names->insert(a.name).second) {
    ctx.errors->push_back(yaml::ErrorAt(node["name"], ctx.file, "duplicate account name '" + a.name + "'", subject));
  }
  std::string platform;
  if (!ReadRequired(node, "platform", ctx, subject, &platform)) return;
  const std::vector<std::string> platforms = {"local", "mastodon", "bluesky", "facebook"};
  std::vector<std::string> keys = {"name", "platform", "poll_seconds"};
  ReadInt(node, "poll_seconds", 5, 86400, ctx, subject, &a.poll_seconds);
  if (platform == "local") {
    a.platform = PlatformKind::kLocal;
    keys.insert(keys.end(), {"dir"});
    ReadOptional(node, "dir", ctx, subject, &a.dir);
  } else if (platform == "mastodon") {
    a.platform = PlatformKind::kMastodon;
    keys.insert(keys.end(), {"instance", "token_env", "hide_fallback", "thread_window_posts", "thread_window_days"});
    if (ReadRequired(node, "instance", ctx, subject, &a.instance)) CheckUrl(node, "instance", a.instance, ctx, subject);
    ReadSecret(node, "token_env", true, ctx, subject, &a.token_env, &a.token);
    // One page of GET /api/v1/accounts/:id/statuses holds at most 40.
    ReadInt(node, "thread_window_posts", 0, 40, ctx, subject, &a.thread_window_posts);
    ReadInt(node, "thread_window_days", 1, 90, ctx, subject, &a.thread_window_days);
    const YAML::Node hf = node["hide_fallback"];
    if (hf.IsDefined()) {
      if (!hf.IsSequence()) {
        ctx.errors->push_back(yaml::ErrorAt(hf, ctx.file, "hide_fallback must be a list of block, mute, report", subject));
      } else {
        a.hide_block = a.hide_mute = a.hide_report = false;
        for (const auto& item : hf) {
          std::string v;
          if (!yaml::ReadString(item, ctx.file, subject, "hide_fallback", &v, ctx.errors)) continue;
          if (v == "block") a.hide_block = true;
          else if (v == "mute") a.hide_mute = true;
          else if (v == "report") a.hide_report = true;
          else {
            std::string hint = yaml::DidYouMean(v, {"block", "mute", "report"});
            ctx.errors->push_back(yaml::ErrorAt(item, ctx.file,
                                                "unknown hide_fallback '" + v + "'" +
                                                    (hint.empty() ? "" : " (did you mean '" + hint + "'?)"),
                                                subject));
          }
        }
      }
    }
  } else if (platform == "bluesky") {
    a.platform = PlatformKind::kBluesky;
    keys.insert(keys.end(), {"service", "handle", "password_env", "session_file", "thread_window_posts",
                             "thread_window_days"});
    ReadOptional(node, "session_file", ctx, subject, &a.session_file);
    // getAuthorFeed answers at most 100 posts a page.
    ReadInt(node, "thread_window_posts", 0, 100, ctx, subject, &a.thread_window_posts);
    ReadInt(node, "thread_window_days", 1, 90, ctx, subject, &a.thread_window_days);
    if (ReadOptional(node, "service", ctx, subject, &a.service)) CheckUrl(node, "service", a.service, ctx, subject);
    ReadRequired(node, "handle", ctx, subject, &a.handle);
    ReadSecret(node, "password_env", true, ctx, subject, &a.password_env, &a.password);
  } else if (platform == "facebook") {
    a.platform = PlatformKind::kFacebook;
    keys.insert(keys.end(), {"page_id", "token_env", "app_secret_env", "verify_token_env", "graph", "graph_version"});
    if (ReadRequired(node, "page_id", ctx, subject, &a.page_id)) {
      static const RE2 kDigits("[0-9]+");
      if (!RE2::FullMatch(a.page_id, kDigits)) {
        ctx.errors->push_back(yaml::ErrorAt(node["page_id"], ctx.file, "page_id must be the Page's numeric id", subject));
      }
    }
    if (ReadOptional(node, "graph", ctx, subject, &a.graph)) CheckUrl(node, "graph", a.graph, ctx, subject);
    if (ReadOptional(node, "graph_version", ctx, subject, &a.graph_version)) {
      // The version is a path segment (/v26.0/...): anything else is a typo.
      static const RE2 kVersion("v[0-9]{1,3}\\.[0-9]{1,2}");
      if (!RE2::FullMatch(a.graph_version, kVersion)) {
        ctx.errors->push_back(yaml::ErrorAt(node["graph_version"], ctx.file,
                                            "graph_version '" + a.graph_version +
                                                "' is not a Graph API version such as v26.0",
                                            subject));
      }
    }
    ReadSecret(node, "token_env", true, ctx, subject, &a.token_env, &a.token);
    ReadSecret(node, "app_secret_env", true, ctx, subject, &a.app_secret_env, &a.app_secret);
    ReadSecret(node, "verify_token_env", false, ctx, subject, &a.verify_token_env, &a.verify_token);
  } else {
    std::string hint = yaml::DidYouMean(platform, platforms);
    ctx.errors->push_back(yaml::ErrorAt(node["platform"], ctx.file,
                                        "unknown platform '" + platform + "'" +
                                            (hint.empty() ? "" : " (did you mean '" + hint + "'?)") +
                                            "; one of local, mastodon, bluesky, facebook",
                                        subject));
    return;
  }
  yaml::CheckKeys(node, keys, ctx.file, subject, ctx.errors);
  out->accounts.push_back(std::move(a));
}

void ParseAccounts(const YAML::Node& node, Context& ctx, Config* out) {
  if (!node.IsSequence()) {
    ctx.errors->push_back(yaml::ErrorAt(node, ctx.file, "accounts must be a list"));
    return;
  }
  std::set<std::string> names;
  for (const auto& item : node) ParseAccount(item, ctx, &names, out);
}

// Joins every relative path of the file to base_dir (see config.h). Done
// after all sections are read so the order of keys in the file does not matter.
void ResolvePaths(Config* c) {
  namespace fs = std::filesystem;
  fs::path base = c->base_dir;
  if (base.is_relative()) base = fs::path(c->file).parent_path() / base;
  base = base.lexically_normal();
  std::string shown = base.string();  // "/etc/aasr-bot/." normalizes to "/etc/aasr-bot/"
  if (shown.size() > 1 && shown.back() == '/') shown.pop_back();
  c->base_dir = shown;
  auto resolve = [&base](std::string* p) {
    if (p->empty() || fs::path(*p).is_absolute()) return;
    *p = (base / *p).lexically_normal().string();
  };
  for (std::string* p : {&c->database, &c->rules_dir, &c->posts_dir, &c->schedules, &c->saved_replies}) resolve(p);
  for (Account& a : c->accounts) {
    resolve(&a.dir);
    resolve(&a.session_file);
  }
}

const Section kSections[] = {
    {"base_dir", ParsePath<&Config::base_dir>},
    {"accounts", ParseAccounts},
    {"database", ParsePath<&Config::database>},
    {"rules", ParsePath<&Config::rules_dir>},
    {"posts", ParsePath<&Config::posts_dir>},
    {"schedules", ParsePath<&Config::schedules>},
    {"saved_replies", ParsePath<&Config::saved_replies>},
    {"review", ParseReview},
    {"polling", ParsePolling},
    {"log", ParseLog},
    {"retention", ParseRetention},
    {"alerts", ParseAlerts},
    {"health", ParseHealth},
};

}  // namespace

const char* PlatformName(PlatformKind k) {
  switch (k) {
    case PlatformKind::kLocal: return "local";
    case PlatformKind::kMastodon: return "mastodon";
    case PlatformKind::kBluesky: return "bluesky";
    case PlatformKind::kFacebook: return "facebook";
  }
  return "unknown";
}

const char* ChannelKindName(ChannelKind k) {
  switch (k) {
    case ChannelKind::kEmail: return "email";
    case ChannelKind::kWebhook: return "webhook";
    case ChannelKind::kSlack: return "slack";
    case ChannelKind::kDiscord: return "discord";
    case ChannelKind::kMatrix: return "matrix";
    case ChannelKind::kNtfy: return "ntfy";
  }
  return "unknown";
}

const AlertChannel* AlertsConfig::FindChannel(const std::string& name) const {
  for (const AlertChannel& c : channels)
    if (c.name == name) return &c;
  return nullptr;
}

const Account* Config::FindAccount(const std::string& name) const {
  for (const Account& a : accounts) {
    if (a.name == name) return &a;
  }
  return nullptr;
}

std::optional<std::string> ProcessEnv(const std::string& name) {
  const char* v = std::getenv(name.c_str());
  if (v == nullptr) return std::nullopt;
  return std::string(v);
}

Result<Config> LoadConfigString(const std::string& text, const std::string& name, const Env& env) {
  auto root = yaml::LoadString(text, name);
  if (!root.ok()) return root.errors();
  Config config;
  config.file = name;
  Errors errors;
  Context ctx{name, &env, &errors};
  const YAML::Node& doc = root.value();
  if (doc.IsNull() || !doc.IsDefined()) return config;  // an empty file: no accounts
  if (!doc.IsMap()) return yaml::ErrorAt(doc, name, "the config file must be a map of sections");
  std::vector<std::string> known;
  for (const Section& s : kSections) known.push_back(s.key);
  yaml::CheckKeys(doc, known, name, "", &errors);
  for (const Section& s : kSections) {
    const YAML::Node n = doc[s.key];
    if (n.IsDefined() && !n.IsNull()) s.parse(n, ctx, &config);
  }
  if (!errors.empty()) return errors;
  if (!config.base_dir.empty()) ResolvePaths(&config);
  return config;
}

Result<Config> LoadConfigFile(const std::string& path, const Env& env) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return Error{{path, 0, 0}, "", "cannot open the config file"};
  std::stringstream buffer;
  buffer << in.rdbuf();
  return LoadConfigString(buffer.str(), path, env);
}

}  // namespace aasr::config
