// DatabaseLock: at most one daemon per database file.
//
//   auto lock = DatabaseLock::Acquire("var/aasr.db");   // var/aasr.db.lock
//   if (!lock.ok()) { print; exit 2; }  // "... in use by another aasr-bot (pid 4242) ..."
//   ... run; the lock goes with the object (or with the process) ...
//
// Why: two daemons on one SQLite file both poll, both hide and both publish
// the outbox: the same posts went out twice. SQLite's own locking only
// serializes single statements, so the daemon holds an exclusive flock() on a
// lock file beside the database (`<database>.lock`, mode 0600) for its whole
// life. flock() is released by the kernel when the descriptor closes, so a
// crash or SIGKILL never leaves a stale lock behind; the pid written into the
// file is only for the message (a stale pid in an unlocked file is ignored).
// The CLI's short commands (`users add`, `queue list`, ...) do not take it:
// they are safe alongside a running daemon.
// Thread safety: Acquire from one thread; the object is not shared.
#pragma once

#include <memory>
#include <string>

#include "bot/util/error.h"

namespace aasr::daemon {

class DatabaseLock {
 public:
  // Creates the lock file if needed and locks it without waiting. Errors:
  // held by another process (naming the database, the lock file and the
  // holder's pid), or the file cannot be created.
  static Result<std::unique_ptr<DatabaseLock>> Acquire(const std::string& database);
  ~DatabaseLock();  // releases
  DatabaseLock(const DatabaseLock&) = delete;
  DatabaseLock& operator=(const DatabaseLock&) = delete;

  const std::string& path() const { return path_; }

 private:
  DatabaseLock(int fd, std::string path) : fd_(fd), path_(std::move(path)) {}
  int fd_;
  std::string path_;
};

}  // namespace aasr::daemon
