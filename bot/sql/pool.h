// Pool: connections to one database file, handed out one per operation.
//
// Promises: Acquire() returns a connection no other thread holds and waits
// while all are out; the Lease gives it back when it goes out of scope.
// SQLite connections are not meant to be shared between threads, and WAL
// lets several read at once.
// Thread safety: Acquire() may be called from any thread.
#pragma once

#include <condition_variable>
#include <memory>
#include <mutex>
#include <vector>

#include "bot/sql/db.h"

namespace aasr::sql {

class Pool {
 public:
  void Add(std::unique_ptr<Db> db) {
    {
      std::lock_guard lock(mu_);
      free_.push_back(std::move(db));
    }
    cv_.notify_one();
  }

  class Lease {
   public:
    Lease(Pool* p, std::unique_ptr<Db> db) : pool_(p), db_(std::move(db)) {}
    Lease(Lease&&) = default;
    ~Lease() {
      if (db_) pool_->Add(std::move(db_));
    }
    Db& operator*() { return *db_; }
    Db* operator->() { return db_.get(); }

   private:
    Pool* pool_;
    std::unique_ptr<Db> db_;
  };

  Lease Acquire() {
    std::unique_lock lock(mu_);
    cv_.wait(lock, [&] { return !free_.empty(); });
    auto db = std::move(free_.back());
    free_.pop_back();
    return Lease(this, std::move(db));
  }

 private:
  std::mutex mu_;
  std::condition_variable cv_;
  std::vector<std::unique_ptr<Db>> free_;
};

}  // namespace aasr::sql
