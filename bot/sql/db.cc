#include "bot/sql/db.h"

namespace aasr::sql {

bool Stmt::Step(Error* error) {
  int rc = sqlite3_step(stmt_);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  if (error) {
    error->where.file = sqlite3_db_filename(db_, "main") ? sqlite3_db_filename(db_, "main") : "";
    error->message = std::string("sqlite: ") + sqlite3_errmsg(db_);
    error->code = ErrorCodeForSqlite(rc);
  }
  return false;
}

ErrorCode ErrorCodeForSqlite(int rc) {
  switch (rc & 0xff) {  // the primary result code
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
      return ErrorCode::kTransient;
    case SQLITE_CONSTRAINT:
      return ErrorCode::kConflict;
    case SQLITE_MISUSE:
    case SQLITE_RANGE:
    case SQLITE_MISMATCH:
      return ErrorCode::kInvalidInput;
    default:  // full, read-only, I/O error, corrupt, cannot open, ...
      return ErrorCode::kIo;
  }
}

bool Stmt::Run(Error* error) {
  Error e;
  while (Step(&e)) {
  }
  if (!e.message.empty()) {
    if (error) *error = e;
    return false;
  }
  return true;
}

Result<std::unique_ptr<Db>> Db::Open(const std::string& path) {
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw,
                           SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX,
                           nullptr);
  if (rc != SQLITE_OK) {
    Error e{{path, 0, 0}, "", std::string("cannot open database: ") +
                                  (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc))};
    sqlite3_close(raw);
    return e;
  }
  std::unique_ptr<Db> db(new Db(raw, path));
  // One set of settings for every repository on the file. 10 s: a writer
  // waits out a checkpoint or a long batch instead of failing.
  sqlite3_busy_timeout(raw, kBusyTimeoutMs);
  // WAL lets readers proceed while one writer commits. synchronous=FULL syncs
  // the WAL on every commit, so a commit survives a power loss, not only a
  // crash: the outbox marks a row `sending` before it posts (NORMAL could
  // lose that mark and post twice), and a moderator's acknowledged decision
  // is never lost. The cost is one fsync per commit; ingest batches commits.
  Status s = db->Exec(
      "PRAGMA journal_mode=WAL; PRAGMA synchronous=FULL; PRAGMA foreign_keys=ON;");
  if (!s.ok()) return s.errors();
  return db;
}

Db::~Db() {
  cache_.clear();  // finalize before closing
  sqlite3_close_v2(db_);
}

Error Db::MakeError(const std::string& what) const {
  return Error{{path_, 0, 0}, "", what + ": " + sqlite3_errmsg(db_), ErrorCodeForSqlite(sqlite3_errcode(db_))};
}

Result<std::shared_ptr<Stmt>> Db::Prepare(std::string_view sql) {
  std::string key(sql);
  auto it = cache_.find(key);
  if (it != cache_.end() && it->second->in_use) {
    // Nested use of the same SQL: a private, uncached statement.
    sqlite3_stmt* st = nullptr;
    if (sqlite3_prepare_v2(db_, sql.data(), static_cast<int>(sql.size()), &st, nullptr) != SQLITE_OK)
      return MakeError("sqlite prepare failed for \"" + key + "\"");
    return std::make_shared<Stmt>(db_, st);
  }
  if (it == cache_.end()) {
    sqlite3_stmt* st = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &st, nullptr);
    if (rc != SQLITE_OK) return MakeError("sqlite prepare failed for \"" + key + "\"");
    auto entry = std::make_unique<Cached>();
    entry->stmt = std::make_unique<Stmt>(db_, st);
    it = cache_.emplace(std::move(key), std::move(entry)).first;
  }
  Cached* c = it->second.get();
  c->in_use = true;
  return std::shared_ptr<Stmt>(c->stmt.get(), [c](Stmt* s) {
    s->Reset();
    c->in_use = false;
  });
}

Status Db::Exec(const std::string& sql) {
  char* msg = nullptr;
  int rc = sqlite3_exec(db_, sql.c_str(), nullptr, nullptr, &msg);
  if (rc != SQLITE_OK) {
    Error e{{path_, 0, 0}, "", std::string("sqlite: ") + (msg ? msg : sqlite3_errstr(rc))};
    sqlite3_free(msg);
    return e;
  }
  return Ok{};
}

}  // namespace aasr::sql
