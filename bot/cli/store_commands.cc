// `aasr-bot queue ingest|list` and `aasr-bot users list|add|role|disable|reset`.
#include <iomanip>
#include <iostream>
#include <memory>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "bot/cli/commands.h"
#include "bot/cli/store_paths.h"
#include "bot/review/passwords.h"
#include "bot/review/users.h"
#include "bot/store/ingest.h"

namespace aasr::cli {

store::StorePtr OpenStoreOrReport(const std::string& path) {
  std::error_code ec;
  auto parent = std::filesystem::path(path).parent_path();
  if (!parent.empty()) std::filesystem::create_directories(parent, ec);
  auto opened = store::OpenSqliteStore(path);
  if (!opened.ok()) {
    std::cerr << FormatErrors(opened.errors());
    return nullptr;
  }
  return opened.value();
}

rules::RuleSetPtr LoadRulesOrReport(const std::string& dir) {
  auto loaded = rules::RuleSet::LoadDirectory(dir);
  if (!loaded.ok()) {
    std::cerr << FormatErrors(loaded.errors());
    std::cerr << loaded.errors().size() << " error(s) in " << dir << "\n";
    return nullptr;
  }
  return loaded.value();
}

namespace {

// Comments per transaction: one commit (one fsync) per chunk, as the daemon's
// intake does, instead of one per comment (issue 15: 2,450-2,960 comments/s
// and 4.1 GB written for a 58 MB file).
constexpr size_t kIngestChunk = 500;

int Ingest(const std::string& db_path, const std::string& rules_dir, const std::string& platform) {
  auto rules = LoadRulesOrReport(rules_dir);
  if (!rules) return 2;
  auto st = OpenStoreOrReport(db_path);
  if (!st) return 2;
  int stored = 0, duplicates = 0, queued = 0, failed = 0;
  std::vector<store::IngestRequest> chunk;
  std::vector<int> line_of;  // chunk[i] came from stdin line line_of[i]
  auto flush = [&] {
    if (chunk.empty()) return;
    auto results = st->IngestBatch(chunk);
    for (size_t i = 0; i < chunk.size(); ++i) {
      if (i >= results.size() || !results[i].ok()) {
        std::cerr << "stdin:" << line_of[i] << ": "
                  << (i < results.size() ? FormatErrors(results[i].errors())
                                         : std::string("not stored\n"));
        ++failed;
        continue;
      }
      const store::IngestResult& r = results[i].value();
      if (!r.created) ++duplicates;
      else ++stored;
      if (r.created && r.item_id) ++queued;
    }
    chunk.clear();
    line_of.clear();
  };
  std::string line;
  int number = 0;
  while (std::getline(std::cin, line)) {
    ++number;
    if (!line.empty() && line.back() == '\r') line.pop_back();
    if (line.find_first_not_of(" \t") == std::string::npos) continue;
    auto parsed = store::ParseCommentLine(line, platform, "stdin", number);
    if (!parsed.ok()) {
      std::cerr << FormatErrors(parsed.errors());
      ++failed;
      continue;
    }
    chunk.push_back(store::Screened(*rules, parsed.value()));
    line_of.push_back(number);
    if (chunk.size() >= kIngestChunk) flush();
  }
  flush();
  std::cout << "ingested " << stored << " new comment(s), " << queued << " queued, " << duplicates
            << " already stored, " << failed << " rejected\n";
  return failed ? 1 : 0;
}

std::string Age(int64_t now, int64_t then) {
  int64_t m = (now - then) / 60000;
  if (m < 60) return std::to_string(m) + "m";
  if (m < 48 * 60) return std::to_string(m / 60) + "h";
  return std::to_string(m / 1440) + "d";
}

int List(const std::string& db_path, const std::string& state, int limit,
         const std::string& format) {
  auto st = OpenStoreOrReport(db_path);
  if (!st) return 2;
  store::QueueFilter f;
  if (!state.empty()) {
    auto s = store::ParseState(state);
    if (!s) {
      std::cerr << "unknown state '" << state << "' (pending, escalated, approved, removed)\n";
      return 2;
    }
    f.states = {*s};
  }
  f.limit = limit;
  auto page = st->ListQueue(f);
  if (!page.ok()) {
    std::cerr << FormatErrors(page.errors());
    return 2;
  }
  int64_t now = aasr::SystemClock().NowMs();
  for (const auto& it : page.value().items) {
    std::string cats;
    for (auto& c : it.categories) cats += (cats.empty() ? "" : ",") + c;
    if (format == "jsonl") {
      std::cout << nlohmann::json{{"id", it.id},
                                  {"state", store::StateName(it.state)},
                                  {"priority", store::PriorityName(it.priority)},
                                  {"categories", it.categories},
                                  {"platform", it.platform},
                                  {"author", it.author_handle},
                                  {"text", it.text}}
                       .dump(-1, ' ', false, nlohmann::json::error_handler_t::replace)
                << "\n";
      continue;
    }
    std::string snippet = it.text.substr(0, 60);
    for (char& ch : snippet)
      if (ch == '\n' || ch == '\r' || ch == '\t') ch = ' ';
    std::cout << std::setw(6) << it.id << "  " << std::setw(9) << store::StateName(it.state)
              << "  " << std::setw(6) << store::PriorityName(it.priority) << "  " << std::setw(4)
              << Age(now, it.created_ms) << "  " << it.platform << "  " << cats << "  @"
              << it.author_handle << "  " << snippet << "\n";
  }
  if (!page.value().next_cursor.empty()) std::cout << "(more: raise --limit)\n";
  return 0;
}

// A UserChange as the CLI reports it: 0 done, 1 refused, 2 store failure.
int Report(const Result<review::UserChange>& r, const std::string& done) {
  if (!r.ok()) {
    std::cerr << FormatErrors(r.errors());
    return 2;
  }
  if (r.value().code != store::Code::kOk) {
    std::cerr << r.value().message << "\n";
    return 1;
  }
  std::cout << done << "\n";
  if (!r.value().password.empty())
    std::cout << "password (shown once): " << r.value().password << "\n";
  if (r.value().sessions_ended) std::cout << "its sessions were ended\n";
  return 0;
}

// The first line of stdin; "" when --generate.
bool ReadPassword(bool generate, std::string* password) {
  if (generate) return true;
  std::getline(std::cin, *password);
  if (!password->empty() && password->back() == '\r') password->pop_back();
  if (password->size() < review::kMinPasswordLength) {
    std::cerr << "password too short: at least " << review::kMinPasswordLength
              << " characters, read from the first line of stdin (or pass --generate)\n";
    return false;
  }
  return true;
}

int AddUser(const std::string& db_path, const std::string& name, const std::string& role,
            bool generate) {
  std::string password;
  if (!ReadPassword(generate, &password)) return 2;
  auto st = OpenStoreOrReport(db_path);
  if (!st) return 2;
  return Report(review::PutUser(*st, name, role, password, "cli"),
                "user " + name + " (" + role + ") saved");
}

int ListUsers(const std::string& db_path) {
  auto st = OpenStoreOrReport(db_path);
  if (!st) return 2;
  auto users = st->ListModerators();
  if (!users.ok()) {
    std::cerr << FormatErrors(users.errors());
    return 2;
  }
  for (const auto& m : users.value())
    std::cout << std::left << std::setw(24) << m.name << std::setw(10) << m.role
              << (m.disabled ? "disabled" : "active") << "\n";
  return 0;
}

}  // namespace

void RegisterStoreCommands(CLI::App& app, int* exit_code) {
  auto* queue = app.add_subcommand("queue", "the moderation queue");
  queue->require_subcommand(1);

  auto* ingest = queue->add_subcommand(
      "ingest", "screen comments (jsonl on stdin) and store them; flagged ones enter the queue");
  auto db = std::make_shared<std::string>(DefaultDbPath());
  auto rules_dir = std::make_shared<std::string>();
  auto platform = std::make_shared<std::string>();
  ingest->add_option("--db", *db, "database file")->capture_default_str();
  ingest->add_option("--rules", *rules_dir, "rules directory (default: the shipped rules/)");
  ingest->add_option("--platform", *platform, "platform of the comments (mastodon, bluesky, ...)")
      ->required();
  ingest->callback([=] {
    *exit_code = Ingest(*db, rules_dir->empty() ? DefaultRulesDirectory() : *rules_dir, *platform);
  });

  auto* list = queue->add_subcommand("list", "print the queue, most urgent first");
  auto list_db = std::make_shared<std::string>(DefaultDbPath());
  auto state = std::make_shared<std::string>();
  auto limit = std::make_shared<int>(50);
  auto format = std::make_shared<std::string>("text");
  list->add_option("--db", *list_db, "database file")->capture_default_str();
  list->add_option("--state", *state, "pending, escalated, approved or removed (default: open)");
  list->add_option("--limit", *limit, "at most this many items")->capture_default_str();
  list->add_option("--format", *format, "text or jsonl")->check(CLI::IsMember({"text", "jsonl"}));
  list->callback([=] { *exit_code = List(*list_db, *state, *limit, *format); });

  auto* users = app.add_subcommand("users", "moderators and admins of the review page");
  users->require_subcommand(1);
  auto users_db = std::make_shared<std::string>(DefaultDbPath());
  auto name = std::make_shared<std::string>();
  auto role = std::make_shared<std::string>();
  auto generate = std::make_shared<bool>(false);

  auto* ls = users->add_subcommand("list", "every user with role and whether disabled");
  ls->add_option("--db", *users_db, "database file")->capture_default_str();
  ls->callback([=] { *exit_code = ListUsers(*users_db); });

  auto* add = users->add_subcommand(
      "add", "add or update a user; the password is read from stdin (or --generate)");
  add->add_option("name", *name, "user name")->required();
  add->add_option("--role", *role, "moderator or admin")
      ->required()
      ->check(CLI::IsMember({"moderator", "admin"}));
  add->add_flag("--generate", *generate, "make a password and print it once");
  add->add_option("--db", *users_db, "database file")->capture_default_str();
  add->callback([=] { *exit_code = AddUser(*users_db, *name, *role, *generate); });

  auto* rl = users->add_subcommand("role", "change a user's role");
  rl->add_option("name", *name, "user name")->required();
  rl->add_option("role", *role, "moderator or admin")
      ->required()
      ->check(CLI::IsMember({"moderator", "admin"}));
  rl->add_option("--db", *users_db, "database file")->capture_default_str();
  rl->callback([=] {
    auto st = OpenStoreOrReport(*users_db);
    *exit_code = st ? Report(review::SetRole(*st, *name, *role, "cli"),
                             "user " + *name + " is now " + *role)
                    : 2;
  });

  auto enable = std::make_shared<bool>(false);
  auto* dis = users->add_subcommand("disable", "refuse a user's logins and end their sessions");
  dis->add_option("name", *name, "user name")->required();
  dis->add_flag("--enable", *enable, "let a disabled user log in again");
  dis->add_option("--db", *users_db, "database file")->capture_default_str();
  dis->callback([=] {
    auto st = OpenStoreOrReport(*users_db);
    *exit_code = st ? Report(review::SetDisabled(*st, *name, !*enable, "cli"),
                             "user " + *name + (*enable ? " enabled" : " disabled"))
                    : 2;
  });

  auto* rs = users->add_subcommand(
      "reset", "new password (stdin, or --generate) and end the user's sessions");
  rs->add_option("name", *name, "user name")->required();
  rs->add_flag("--generate", *generate, "make a password and print it once");
  rs->add_option("--db", *users_db, "database file")->capture_default_str();
  rs->callback([=] {
    std::string password;
    if (!ReadPassword(*generate, &password)) {
      *exit_code = 2;
      return;
    }
    auto st = OpenStoreOrReport(*users_db);
    *exit_code = st ? Report(review::ResetPassword(*st, *name, password, "cli"),
                             "password of " + *name + " reset")
                    : 2;
  });
}

}  // namespace aasr::cli
