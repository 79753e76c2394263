// Helpers shared by the store tests: a fresh database file per test, and
// fixtures built from the site's own wording.
#pragma once

#include <atomic>
#include <cstdio>
#include <filesystem>
#include <string>

#include <sys/wait.h>
#include <unistd.h>

#include "bot/moderation/policy.h"
#include "bot/store/sqlite_store.h"

namespace aasr::store::testing {

// A database path in a fresh directory, removed at scope exit.
class TempDb {
 public:
  TempDb() {
    static std::atomic<int> n{0};
    dir_ = std::filesystem::temp_directory_path() /
           ("aasr-store-" + std::to_string(::getpid()) + "-" + std::to_string(n++));
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
  }
  ~TempDb() { std::filesystem::remove_all(dir_); }
  std::string path() const { return (dir_ / "aasr.db").string(); }

 private:
  std::filesystem::path dir_;
};

// Runs a shell command line (the CLI tests call the aasr-bot binary),
// capturing stdout and stderr together.
struct ShellRun {
  int rc = 0;
  std::string out;
};
inline ShellRun Sh(const std::string& cmd) {
  ShellRun r;
  FILE* p = popen((cmd + " 2>&1").c_str(), "r");
  char buf[4096];
  size_t n;
  while ((n = fread(buf, 1, sizeof buf, p)) > 0) r.out.append(buf, n);
  r.rc = WEXITSTATUS(pclose(p));
  return r;
}

inline NewComment MakeComment(const std::string& remote_id, const std::string& text,
                              const std::string& handle = "parent_of_three") {
  NewComment c;
  c.platform = "mastodon";
  c.account = "aasr@mastodon.social";
  c.remote_id = remote_id;
  c.parent = "https://mastodon.social/@aasr/1001";
  c.parent_text = "New story: A seclusion room is not a classroom";
  c.author_id = "id-" + handle;
  c.author_handle = handle;
  c.author_account_age_days = 3;
  c.author_followers = 2;
  c.text = text;
  return c;
}

inline StoredVerdict MakeVerdict(const std::string& action, const std::string& category,
                                 int priority, uint32_t b = 0, uint32_t e = 5) {
  StoredVerdict v;
  v.action = action;
  v.priority = priority;
  if (action != "allow") {
    v.categories = {category};
    StoredMatch m;
    m.rule_id = category + ".test";
    m.category = category;
    m.description = "test rule for " + category;
    m.action = action;
    m.priority = priority;
    m.spans = {{b, e}};
    v.matches.push_back(m);
    v.explanation = "matched " + m.rule_id;
  } else {
    v.explanation = "no rule matched";
  }
  return v;
}

// A comment to store with what the moderation policy decides for it on a
// platform that can hide and delete (Facebook).
inline IngestRequest Req(const NewComment& c, const StoredVerdict& v) {
  return {c, v, moderation::ForVerdict(v, moderation::KnownCapabilities("facebook"))};
}

// The actions the policy implies for `decision` where removing does
// `remove_action` ("hide", "delete" or "": what the platform can do).
inline DecisionActions ActionsFor(const std::string& decision, const std::string& remove_action) {
  platforms::Capabilities caps;
  caps.hide_replies = remove_action == "hide";
  caps.delete_comments = remove_action == "delete";
  return moderation::ForDecision(decision, caps);
}

}  // namespace aasr::store::testing
