// A temporary database with one queued comment, for the replies tests.
#pragma once

#include <filesystem>
#include <string>

#include <unistd.h>

#include "bot/store/sqlite_store.h"

namespace aasr::testing {

class ReplyTestDb {
 public:
  explicit ReplyTestDb(const std::string& name) {
    dir_ = (std::filesystem::temp_directory_path() / ("aasr-replies-" + name + "-" + std::to_string(::getpid()))).string();
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    path_ = dir_ + "/aasr.db";
    auto s = store::OpenSqliteStore(path_);
    if (s.ok()) store_ = s.value();
  }
  ~ReplyTestDb() { std::filesystem::remove_all(dir_); }

  // Queues one comment; returns its item id (0 on failure).
  int64_t Queue(const std::string& platform, const std::string& account, const std::string& remote_id,
                const std::string& handle, const std::string& text, bool crisis = false) {
    store::IngestRequest r;
    r.comment.platform = platform;
    r.comment.account = account;
    r.comment.remote_id = remote_id;
    r.comment.author_id = "2";
    r.comment.author_handle = handle;
    r.comment.text = text;
    r.verdict.action = "review";
    r.verdict.priority = 2;
    r.verdict.categories = {crisis ? "crisis" : "harassment"};
    r.disposition.queue = true;
    r.disposition.crisis = crisis;
    r.disposition.note = "queued";
    auto got = store_->Ingest(r);
    return got.ok() ? got.value().item_id : 0;
  }
  const std::string& path() const { return path_; }
  const std::string& dir() const { return dir_; }
  store::StorePtr store() const { return store_; }

 private:
  std::string dir_, path_;
  store::StorePtr store_;
};

}  // namespace aasr::testing
