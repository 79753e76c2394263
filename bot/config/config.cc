#include "bot/config/config.h"

#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <set>

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
  yaml::CheckKeys(node, {"listen"}, ctx.file, "review", ctx.errors);
  if (ReadOptional(node, "listen", ctx, "review", &out->review_listen))
    CheckUrl(node, "listen", out->review_listen, ctx, "review");
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
    keys.insert(keys.end(), {"service", "handle", "password_env", "session_file"});
    ReadOptional(node, "session_file", ctx, subject, &a.session_file);
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
    ReadOptional(node, "graph_version", ctx, subject, &a.graph_version);
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
