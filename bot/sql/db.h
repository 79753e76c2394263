// Thin RAII wrappers over the SQLite C API: the one SQL layer every
// repository (bot/store, bot/outreach) uses.
//
// Promises: Db owns one connection with the project's one set of settings
// (WAL, synchronous=FULL, foreign keys on, 10 s busy timeout; see Db::Open),
// so concurrent writers wait instead of failing. Stmt binds by
// 1-based index and reads columns by 0-based index, as SQLite does. Errors
// come back as aasr::Error naming the database file and SQLite's message.
// Thread safety: a Db (and its statements) is used by one thread at a time;
// repositories hand connections out from a Pool (pool.h) or keep one each.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include <sqlite3.h>

#include "bot/util/error.h"

namespace aasr::sql {

class Stmt {
 public:
  Stmt(sqlite3* db, sqlite3_stmt* stmt) : db_(db), stmt_(stmt) {}
  Stmt(Stmt&& o) noexcept : db_(o.db_), stmt_(o.stmt_) { o.stmt_ = nullptr; }
  Stmt(const Stmt&) = delete;
  ~Stmt() { sqlite3_finalize(stmt_); }

  Stmt& Bind(int i, int64_t v) { sqlite3_bind_int64(stmt_, i, v); return *this; }
  Stmt& Bind(int i, int v) { sqlite3_bind_int64(stmt_, i, v); return *this; }
  Stmt& Bind(int i, double v) { sqlite3_bind_double(stmt_, i, v); return *this; }
  Stmt& Bind(int i, std::string_view v) {
    sqlite3_bind_text(stmt_, i, v.data(), static_cast<int>(v.size()), SQLITE_TRANSIENT);
    return *this;
  }
  Stmt& Bind(int i, const char* v) { return Bind(i, std::string_view(v)); }
  Stmt& Bind(int i, const std::string& v) { return Bind(i, std::string_view(v)); }
  // 0 when the statement has no parameter of that name.
  int ParamIndex(const char* name) const { return sqlite3_bind_parameter_index(stmt_, name); }
  Stmt& BindNull(int i) { sqlite3_bind_null(stmt_, i); return *this; }
  template <typename T>
  Stmt& Bind(int i, const std::optional<T>& v) {
    if (v) return Bind(i, *v);
    return BindNull(i);
  }

  // Returns true while a row is available; false when done. A SQLite error
  // sets *error (if given) and returns false.
  bool Step(Error* error = nullptr);
  // Runs to completion; returns false and fills *error on failure.
  bool Run(Error* error);
  void Reset() { sqlite3_reset(stmt_); sqlite3_clear_bindings(stmt_); }

  int64_t Int(int col) const { return sqlite3_column_int64(stmt_, col); }
  double Double(int col) const { return sqlite3_column_double(stmt_, col); }
  bool IsNull(int col) const { return sqlite3_column_type(stmt_, col) == SQLITE_NULL; }
  std::string Text(int col) const {
    const unsigned char* p = sqlite3_column_text(stmt_, col);
    return p ? std::string(reinterpret_cast<const char*>(p),
                           static_cast<size_t>(sqlite3_column_bytes(stmt_, col)))
             : std::string();
  }
  std::optional<double> OptDouble(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Double(col);
  }
  std::optional<int64_t> OptInt(int col) const {
    if (IsNull(col)) return std::nullopt;
    return Int(col);
  }

 private:
  sqlite3* db_;
  sqlite3_stmt* stmt_;
};

// How long a statement waits for another connection's lock before failing
// with SQLITE_BUSY (every connection of Db::Open).
inline constexpr int kBusyTimeoutMs = 10000;

class Db {
 public:
  // Opens (creating if needed) the database at path.
  static Result<std::unique_ptr<Db>> Open(const std::string& path);
  ~Db();
  Db(const Db&) = delete;

  // Prepares one statement; a syntax error is a programming error and is
  // reported as an Error rather than a crash. Statements are cached per SQL
  // text: the returned handle resets the statement when released, so reads
  // never hold a snapshot open. A statement already in use (the same SQL
  // nested) is prepared afresh.
  Result<std::shared_ptr<Stmt>> Prepare(std::string_view sql);
  // Runs one or more statements without results.
  Status Exec(const std::string& sql);
  int64_t LastInsertId() const { return sqlite3_last_insert_rowid(db_); }
  int Changes() const { return sqlite3_changes(db_); }
  Error MakeError(const std::string& what) const;
  const std::string& path() const { return path_; }
  sqlite3* raw() { return db_; }

 private:
  Db(sqlite3* db, std::string path) : db_(db), path_(std::move(path)) {}
  struct Cached {
    std::unique_ptr<Stmt> stmt;
    bool in_use = false;
  };
  sqlite3* db_;
  std::string path_;
  std::unordered_map<std::string, std::unique_ptr<Cached>> cache_;
};

}  // namespace aasr::sql

// Shorthands for functions returning Result or Status: prepare or bail out
// with the error; run a statement to completion or bail out.
// The ErrorCode for a SQLite result code: busy/locked transient, constraint
// conflict, misuse invalid input, everything else (full, read-only, I/O,
// corrupt) kIo.
namespace aasr::sql {
ErrorCode ErrorCodeForSqlite(int rc);
}  // namespace aasr::sql

#define AASR_PREPARE(var, db, text)           \
  auto var##_r = (db).Prepare(text);          \
  if (!var##_r.ok()) return var##_r.errors(); \
  ::aasr::sql::Stmt& var = *var##_r.value()

#define AASR_RUN(stmt)                   \
  do {                                   \
    ::aasr::Error err_;                  \
    if (!(stmt).Run(&err_)) return err_; \
  } while (0)
