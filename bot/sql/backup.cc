#include "bot/sql/backup.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdlib>
#include <cstring>
#include <ctime>
#include <filesystem>

#include "bot/sql/migrations.h"

namespace aasr::sql {
namespace fs = std::filesystem;
namespace {

Error FileError(const std::string& path, const std::string& what) {
  return Error{{path, 0, 0}, "backup", what};
}

// fsync a file (or a directory, so a rename in it is durable).
Status SyncPath(const std::string& path) {
  int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
  if (fd < 0) return FileError(path, std::string("cannot open to sync: ") + std::strerror(errno));
  int rc = ::fsync(fd);
  int err = errno;
  ::close(fd);
  if (rc != 0) return FileError(path, std::string("fsync failed: ") + std::strerror(err));
  return Ok{};
}

std::string DirOf(const std::string& path) {
  fs::path p = fs::path(path).parent_path();
  return p.empty() ? "." : p.string();
}

// Runs a one-column PRAGMA on a raw read-only handle, joining rows with "; ".
// Db is not used: its Open() would switch the file to WAL, writing to it.
Result<std::string> PragmaRows(sqlite3* raw, const std::string& path, const char* pragma) {
  sqlite3_stmt* st = nullptr;
  if (sqlite3_prepare_v2(raw, pragma, -1, &st, nullptr) != SQLITE_OK)
    return FileError(path, std::string("not a readable database: ") + sqlite3_errmsg(raw));
  std::string out;
  int rc;
  while ((rc = sqlite3_step(st)) == SQLITE_ROW) {
    const unsigned char* t = sqlite3_column_text(st, 0);
    if (!out.empty()) out += "; ";
    out += t ? reinterpret_cast<const char*>(t) : "";
  }
  sqlite3_finalize(st);
  if (rc != SQLITE_DONE)
    return FileError(path, std::string("not a readable database: ") + sqlite3_errmsg(raw));
  return out;
}

}  // namespace

std::string StampedSibling(const std::string& database, const std::string& what) {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char stamp[32];
  std::strftime(stamp, sizeof stamp, "%Y%m%dT%H%M%SZ", &tm);
  return database + "." + what + "-" + stamp;
}

Status Backup(Db& db, const std::string& dest) {
  std::error_code ec;
  if (fs::exists(dest, ec)) return FileError(dest, "already exists: a backup never overwrites a file");
  const std::string tmp = dest + ".tmp";
  fs::remove(tmp, ec);  // a leftover of a backup that died half-way
  // VACUUM INTO creates the file with the process umask; the daemon's is 077,
  // but the CLI's may not be: the chmod below is the promise.
  {
    AASR_PREPARE(st, db, "VACUUM INTO ?1");
    st.Bind(1, tmp);
    Error e;
    if (!st.Run(&e)) {
      fs::remove(tmp, ec);
      e.where.file = dest;
      e.subject = "backup";
      e.message = "copy failed: " + e.message;
      return e;
    }
  }
  if (::chmod(tmp.c_str(), 0600) != 0) {
    Error e = FileError(tmp, std::string("chmod 0600 failed: ") + std::strerror(errno));
    fs::remove(tmp, ec);
    return e;
  }
  Result<int> checked = CheckDatabaseFile(tmp);
  if (!checked.ok()) {
    fs::remove(tmp, ec);
    return checked.errors();
  }
  if (Status s = SyncPath(tmp); !s.ok()) {
    fs::remove(tmp, ec);
    return s;
  }
  fs::rename(tmp, dest, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return FileError(dest, "rename from " + tmp + " failed: " + ec.message());
  }
  return SyncPath(DirOf(dest));
}

Result<int> CheckDatabaseFile(const std::string& path) {
  std::error_code ec;
  if (!fs::is_regular_file(path, ec)) return FileError(path, "no such file");
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, SQLITE_OPEN_READONLY | SQLITE_OPEN_NOMUTEX, nullptr);
  if (rc != SQLITE_OK) {
    Error e = FileError(path, std::string("cannot open: ") +
                                  (raw ? sqlite3_errmsg(raw) : sqlite3_errstr(rc)));
    sqlite3_close(raw);
    return e;
  }
  auto check = PragmaRows(raw, path, "PRAGMA quick_check");
  auto version = check.ok() ? PragmaRows(raw, path, "PRAGMA user_version") : check;
  sqlite3_close(raw);
  if (!check.ok()) return check.errors();
  if (check.value() != "ok")
    return FileError(path, "damaged (quick_check): " + check.value().substr(0, 300));
  if (!version.ok()) return version.errors();
  int v = std::atoi(version.value().c_str());
  if (v > kSchemaVersion)
    return FileError(path, "schema version " + std::to_string(v) +
                               " is newer than this aasr-bot understands (" +
                               std::to_string(kSchemaVersion) + ")");
  return v;
}

Result<std::string> RestoreFile(const std::string& backup, const std::string& database) {
  Result<int> checked = CheckDatabaseFile(backup);
  if (!checked.ok()) return checked.errors();
  std::error_code ec;
  const std::string tmp = database + ".restore.tmp";
  fs::remove(tmp, ec);
  fs::copy_file(backup, tmp, ec);
  if (ec) {
    fs::remove(tmp, ec);
    return FileError(tmp, "copy from " + backup + " failed: " + ec.message());
  }
  ::chmod(tmp.c_str(), 0600);
  if (Status s = SyncPath(tmp); !s.ok()) {
    fs::remove(tmp, ec);
    return s.errors();
  }
  std::string aside;
  if (fs::exists(database, ec)) {
    aside = StampedSibling(database, "before-restore");
    for (const char* suffix : {"", "-wal", "-shm"}) {
      std::string from = database + suffix;
      if (!fs::exists(from, ec)) continue;
      fs::rename(from, aside + suffix, ec);
      if (ec) {
        fs::remove(tmp, ec);
        return FileError(from, "cannot move aside to " + aside + suffix + ": " + ec.message());
      }
    }
  }
  fs::rename(tmp, database, ec);
  if (ec) return FileError(database, "rename from " + tmp + " failed: " + ec.message() +
                                         (aside.empty() ? "" : " (the old file is at " + aside + ")"));
  if (Status s = SyncPath(DirOf(database)); !s.ok()) return s.errors();
  return aside;
}

}  // namespace aasr::sql
