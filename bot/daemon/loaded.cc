#include "bot/daemon/loaded.h"

#include <filesystem>

namespace aasr::daemon {
namespace fs = std::filesystem;

namespace {

void AddFile(const fs::path& p, std::map<std::string, std::pair<int64_t, int64_t>>* out) {
  std::error_code ec;
  auto size = fs::file_size(p, ec);
  if (ec) return;
  auto mtime = fs::last_write_time(p, ec);
  if (ec) return;
  (*out)[p.string()] = {static_cast<int64_t>(size), static_cast<int64_t>(mtime.time_since_epoch().count())};
}

void AddTree(const std::string& dir, std::map<std::string, std::pair<int64_t, int64_t>>* out) {
  if (dir.empty()) return;
  std::error_code ec;
  for (fs::recursive_directory_iterator it(dir, fs::directory_options::skip_permission_denied, ec), end;
       !ec && it != end; it.increment(ec)) {
    const std::string name = it->path().filename().string();
    if (!name.empty() && (name[0] == '.' || name.back() == '~')) continue;  // editor temp files
    if (it->is_regular_file(ec)) AddFile(it->path(), out);
  }
}

}  // namespace

Fingerprint Fingerprint::Of(const Watched& w) {
  Fingerprint f;
  AddFile(w.config_file, &f.files_);
  if (!w.schedules_file.empty()) AddFile(w.schedules_file, &f.files_);
  AddTree(w.rules_dir, &f.files_);
  AddTree(w.posts_dir, &f.files_);
  return f;
}

Result<LoadedPtr> LoadAll(const std::string& config_path, const config::Env& env) {
  auto cfg = config::LoadConfigFile(config_path, env);
  if (!cfg.ok()) return cfg.errors();
  auto loaded = std::make_shared<Loaded>();
  loaded->config = cfg.value();
  const config::Config& c = loaded->config;
  loaded->watched = {config_path, c.rules_dir, c.posts_dir, c.schedules};

  Errors errors;
  auto append = [&errors](const Errors& e) { errors.insert(errors.end(), e.begin(), e.end()); };
  auto rules = rules::RuleSet::LoadDirectory(c.rules_dir);
  if (rules.ok()) loaded->rules = rules.value();
  else append(rules.errors());

  auto graphics = outreach::LoadGraphics(c.posts_dir + "/graphics.yaml");
  if (graphics.ok()) loaded->graphics = graphics.value();
  else append(graphics.errors());
  auto templates = outreach::LoadTemplates(c.posts_dir + "/templates.yaml");
  if (templates.ok()) loaded->templates = templates.value();
  else append(templates.errors());

  if (!c.schedules.empty()) {
    auto schedules = outreach::LoadSchedules(c.schedules);
    if (schedules.ok()) {
      loaded->schedules = schedules.value();
      // A schedule must name an account of this config, on its platform.
      for (const outreach::AccountSchedule& s : schedules.value().accounts) {
        const config::Account* a = c.FindAccount(s.account);
        if (a == nullptr) {
          errors.push_back(Error{s.where, "schedule " + s.account,
                                 "account '" + s.account + "' is not in " + config_path + "'s accounts"});
        } else if (s.platform != config::PlatformName(a->platform)) {
          errors.push_back(Error{s.where, "schedule " + s.account,
                                 "platform '" + s.platform + "' differs from the account's '" +
                                     config::PlatformName(a->platform) + "' in " + config_path});
        }
      }
    } else {
      append(schedules.errors());
    }
  }
  if (!errors.empty()) return errors;
  return LoadedPtr(loaded);
}

bool SameAccount(const config::Account& a, const config::Account& b) {
  return a.name == b.name && a.platform == b.platform && a.poll_seconds == b.poll_seconds && a.dir == b.dir &&
         a.instance == b.instance && a.token == b.token && a.hide_block == b.hide_block &&
         a.hide_mute == b.hide_mute && a.hide_report == b.hide_report && a.service == b.service &&
         a.handle == b.handle && a.password == b.password && a.session_file == b.session_file &&
         a.page_id == b.page_id && a.graph == b.graph && a.graph_version == b.graph_version &&
         a.app_secret == b.app_secret && a.verify_token == b.verify_token;
}

}  // namespace aasr::daemon
