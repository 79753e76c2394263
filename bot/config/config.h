// Config: the one loader of the bot's config file (YAML).
//
// Today it reads the `accounts:` list; later sections (database path, listen
// address, schedules) are added to the same loader: one struct field and one
// entry in the section table of config.cc, so every section gets the same
// unknown-key ("did you mean") checks and file:line:column errors.
//
//   accounts:
//     - {name: local, platform: local, dir: var}
//     - name: aasr-masto
//       platform: mastodon
//       instance: "https://mastodon.example"
//       token_env: AASR_MASTODON_TOKEN
//
// Credentials never live in the file: it holds the NAMES of environment
// variables (`*_env` keys), and the loader reads them through the injected
// Env. A missing variable, an unknown platform, a bad URL, a duplicate name
// or an unknown key is an Error at its file:line:column; every problem in
// the file is reported at once. Nothing throws.
// Thread safety: loading is a pure function of (text, env).
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <vector>

#include "bot/util/error.h"

namespace aasr::config {

enum class PlatformKind { kLocal, kMastodon, kBluesky, kFacebook };
const char* PlatformName(PlatformKind k);

struct Account {
  std::string name;
  PlatformKind platform = PlatformKind::kLocal;
  Location where;  // the account's entry in the file

  // local
  std::string dir = "var";
  // mastodon
  std::string instance;
  std::string token_env, token;
  bool hide_block = true, hide_mute = false, hide_report = true;  // `hide_fallback: [block, report]`
  // bluesky
  std::string service = "https://bsky.social";
  std::string handle;
  std::string password_env, password;
  std::string session_file;  // optional token cache (mode 0600)
  // facebook
  std::string page_id;
  std::string graph = "https://graph.facebook.com";
  std::string graph_version = "v21.0";
  std::string app_secret_env, app_secret;
  std::string verify_token_env, verify_token;
};

struct Config {
  std::string file;
  std::vector<Account> accounts;

  const Account* FindAccount(const std::string& name) const;
};

// Looks up an environment variable; nullopt when unset.
using Env = std::function<std::optional<std::string>(const std::string& name)>;
std::optional<std::string> ProcessEnv(const std::string& name);

Result<Config> LoadConfigFile(const std::string& path, const Env& env = ProcessEnv);
Result<Config> LoadConfigString(const std::string& text, const std::string& name, const Env& env = ProcessEnv);

}  // namespace aasr::config
