// Tx: one transaction on a Db that rolls back unless committed.
//
// Promises: an early return (or an error) never leaves a half-written change
// behind: the destructor rolls back whatever Commit() did not commit. A write
// transaction starts with BEGIN IMMEDIATE, so it takes the write lock up
// front and waits (busy timeout) instead of failing at its first write.
// Thread safety: as the Db it runs on.
#pragma once

#include "bot/sql/db.h"

namespace aasr::sql {

class Tx {
 public:
  Tx(Db& db, bool write) : db_(db) {
    Status s = db_.Exec(write ? "BEGIN IMMEDIATE" : "BEGIN");
    if (!s.ok()) error_ = s.errors().front();
    else open_ = true;
  }
  ~Tx() {
    if (open_) (void)db_.Exec("ROLLBACK");
  }
  Tx(const Tx&) = delete;
  Tx& operator=(const Tx&) = delete;
  bool ok() const { return open_; }
  const Error& error() const { return error_; }
  Status Commit() {
    Status s = db_.Exec("COMMIT");
    if (s.ok()) open_ = false;
    return s;
  }

 private:
  Db& db_;
  bool open_ = false;
  Error error_;
};

}  // namespace aasr::sql
