#include "bot/config/config.h"

#include <cstdlib>
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
  std::vector<std::string> keys = {"name", "platform"};
  if (platform == "local") {
    a.platform = PlatformKind::kLocal;
    keys.insert(keys.end(), {"dir"});
    ReadOptional(node, "dir", ctx, subject, &a.dir);
  } else if (platform == "mastodon") {
    a.platform = PlatformKind::kMastodon;
    keys.insert(keys.end(), {"instance", "token_env", "hide_fallback"});
    if (ReadRequired(node, "instance", ctx, subject, &a.instance)) CheckUrl(node, "instance", a.instance, ctx, subject);
    ReadSecret(node, "token_env", true, ctx, subject, &a.token_env, &a.token);
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

const Section kSections[] = {
    {"accounts", ParseAccounts},
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
