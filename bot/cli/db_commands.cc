// `aasr-bot db backup|restore|check|prune` and `aasr-bot authors
// export|erase`: the database file's lifecycle and a person's data requests.
//
// backup runs beside a live daemon (the copy is one snapshot, writers carry
// on); restore refuses while a daemon holds the database lock, since the
// daemon would keep writing to the file moved aside.
#include <iostream>
#include <memory>
#include <string>

#include "bot/cli/commands.h"
#include "bot/cli/store_paths.h"
#include "bot/config/config.h"
#include "bot/daemon/db_lock.h"
#include "bot/sql/backup.h"
#include "bot/sql/db.h"
#include "bot/store/lifecycle.h"
#include "bot/util/clock.h"

namespace aasr::cli {
namespace {

// --db wins; else the config's database; else the checkout's default.
Result<std::string> DatabasePath(const std::string& db, const std::string& config) {
  if (!db.empty()) return db;
  if (config.empty()) return DefaultDbPath();
  auto c = config::LoadConfigFile(config);
  if (!c.ok()) return c.errors();
  return c.value().database;
}

int Backup(const std::string& db_path, const std::string& dest) {
  std::error_code ec;
  if (!std::filesystem::exists(db_path, ec)) {
    std::cerr << db_path << ": no such database\n";
    return 2;
  }
  auto db = sql::Db::Open(db_path);
  if (!db.ok()) {
    std::cerr << FormatErrors(db.errors());
    return 2;
  }
  Status s = sql::Backup(*db.value(), dest);
  if (!s.ok()) {
    std::cerr << FormatErrors(s.errors());
    return 2;
  }
  std::cout << "backup of " << db_path << " written to " << dest << " ("
            << std::filesystem::file_size(dest, ec) << " bytes, checked)\n";
  return 0;
}

int Restore(const std::string& db_path, const std::string& backup) {
  auto lock = daemon::DatabaseLock::Acquire(db_path);
  if (!lock.ok()) {
    std::cerr << FormatErrors(lock.errors())
              << "stop the daemon before restoring (systemctl stop aasr-bot)\n";
    return 2;
  }
  auto aside = sql::RestoreFile(backup, db_path);
  if (!aside.ok()) {
    std::cerr << FormatErrors(aside.errors());
    return 2;
  }
  std::cout << "restored " << db_path << " from " << backup;
  if (!aside.value().empty()) std::cout << "; the previous file is at " << aside.value();
  std::cout << "\n";
  return 0;
}

int Check(const std::string& path) {
  auto v = sql::CheckDatabaseFile(path);
  if (!v.ok()) {
    std::cerr << FormatErrors(v.errors());
    return 1;
  }
  std::cout << path << ": ok, schema version " << v.value() << "\n";
  return 0;
}

// Opens the database for the lifecycle calls; a missing file is an error,
// never created empty.
std::unique_ptr<sql::Db> OpenExisting(const std::string& path) {
  std::error_code ec;
  if (!std::filesystem::exists(path, ec)) {
    std::cerr << path << ": no such database\n";
    return nullptr;
  }
  auto db = sql::Db::Open(path);
  if (!db.ok()) {
    std::cerr << FormatErrors(db.errors());
    return nullptr;
  }
  return std::move(db.value());
}

int Prune(const std::string& db_path, const std::string& config_path) {
  auto c = config::LoadConfigFile(config_path);
  if (!c.ok()) {
    std::cerr << FormatErrors(c.errors());
    return 2;
  }
  const config::Retention& p = c.value().retention;
  if (!p.any()) {
    std::cout << config_path << " has no retention: section (or only zeros): nothing is pruned\n";
    return 0;
  }
  auto db = OpenExisting(db_path.empty() ? c.value().database : db_path);
  if (!db) return 2;
  auto r = store::Prune(*db, p, SystemClock().NowMs());
  if (!r.ok()) {
    std::cerr << FormatErrors(r.errors());
    return 2;
  }
  std::cout << "blanked " << r.value().allowed << " allowed and " << r.value().flagged
            << " decided flagged comment(s), dropped " << r.value().audit_notes
            << " audit note(s)\n";
  return 0;
}

int Export(const std::string& db_path, const std::string& platform, const std::string& author) {
  auto db = OpenExisting(db_path);
  if (!db) return 2;
  auto j = store::ExportAuthor(*db, platform, author);
  if (!j.ok()) {
    std::cerr << FormatErrors(j.errors());
    return 2;
  }
  std::cout << j.value().dump(2, ' ', false, nlohmann::json::error_handler_t::replace) << "\n";
  return 0;
}

int Erase(const std::string& db_path, const std::string& platform, const std::string& author) {
  auto db = OpenExisting(db_path);
  if (!db) return 2;
  auto r = store::EraseAuthor(*db, platform, author);
  if (!r.ok()) {
    std::cerr << FormatErrors(r.errors());
    return 2;
  }
  std::cout << "erased the text and identity of " << r.value().comments << " comment(s) by "
            << author << " on " << platform << ", and " << r.value().audit_notes
            << " audit note(s); items and the audit skeleton are kept\n";
  return 0;
}

}  // namespace

void RegisterDbCommands(CLI::App& app, int* exit_code) {
  auto* dbc = app.add_subcommand("db", "back up, restore and check the database file");
  dbc->require_subcommand(1);
  struct Opts {
    std::string db, config, file;
  };
  auto add = [&](const char* name, const char* help, const char* file_help) {
    auto o = std::make_shared<Opts>();
    auto* cmd = dbc->add_subcommand(name, help);
    cmd->add_option("file", o->file, file_help)->required();
    cmd->add_option("--db", o->db, "database file (default: the config's, else var/aasr.db)");
    cmd->add_option("--config", o->config, "take the database path from this config file");
    return std::make_pair(cmd, o);
  };
  auto [backup, bo] = add("backup", "write a consistent, checked copy (safe while the daemon runs)",
                          "the copy to write (never overwritten)");
  backup->callback([=, bo = bo] {
    auto path = DatabasePath(bo->db, bo->config);
    if (!path.ok()) {
      std::cerr << FormatErrors(path.errors());
      *exit_code = 2;
      return;
    }
    *exit_code = Backup(path.value(), bo->file);
  });
  auto [restore, ro] = add("restore", "put a backup in place of the database (daemon stopped)",
                           "the backup to restore");
  restore->callback([=, ro = ro] {
    auto path = DatabasePath(ro->db, ro->config);
    if (!path.ok()) {
      std::cerr << FormatErrors(path.errors());
      *exit_code = 2;
      return;
    }
    *exit_code = Restore(path.value(), ro->file);
  });
  auto* check = dbc->add_subcommand("check", "check a database or backup file (quick_check, version)");
  auto co = std::make_shared<std::string>();
  check->add_option("file", *co, "the file to check")->required();
  check->callback([=] { *exit_code = Check(*co); });

  auto* prune = dbc->add_subcommand("prune", "apply the config's retention: section now (the daemon does it hourly)");
  auto po = std::make_shared<Opts>();
  prune->add_option("--config", po->config, "the config with the retention: section")->required();
  prune->add_option("--db", po->db, "database file (default: the config's)");
  prune->callback([=] { *exit_code = Prune(po->db, po->config); });

  auto* authors = app.add_subcommand("authors", "one person's data, on their request");
  authors->require_subcommand(1);
  struct AuthorOpts {
    std::string db, config, platform, author;
  };
  auto author_cmd = [&](const char* name, const char* help) {
    auto o = std::make_shared<AuthorOpts>();
    auto* cmd = authors->add_subcommand(name, help);
    cmd->add_option("--platform", o->platform, "mastodon, bluesky, facebook or local")->required();
    cmd->add_option("--author", o->author, "the author's id or handle on that platform")
        ->required()
        ->check([](const std::string& v) { return v.empty() ? std::string("must not be empty") : std::string(); });
    cmd->add_option("--db", o->db, "database file (default: the config's, else var/aasr.db)");
    cmd->add_option("--config", o->config, "take the database path from this config file");
    return std::make_pair(cmd, o);
  };
  auto [exp, eo] = author_cmd("export", "print every comment, verdict, item and audit row of one author as JSON");
  exp->callback([=, eo = eo] {
    auto path = DatabasePath(eo->db, eo->config);
    if (!path.ok()) {
      std::cerr << FormatErrors(path.errors());
      *exit_code = 2;
      return;
    }
    *exit_code = Export(path.value(), eo->platform, eo->author);
  });
  auto [era, ero] = author_cmd("erase", "erase one author's text and identity (the audit skeleton stays)");
  era->callback([=, ero = ero] {
    auto path = DatabasePath(ero->db, ero->config);
    if (!path.ok()) {
      std::cerr << FormatErrors(path.errors());
      *exit_code = 2;
      return;
    }
    *exit_code = Erase(path.value(), ero->platform, ero->author);
  });
}

}  // namespace aasr::cli
