#include "bot/daemon/db_lock.h"

#include <fcntl.h>
#include <sys/file.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>

namespace aasr::daemon {

Result<std::unique_ptr<DatabaseLock>> DatabaseLock::Acquire(const std::string& database) {
  const std::string path = database + ".lock";
  // O_CLOEXEC: a child process (none today) must not keep the lock alive.
  const int fd = ::open(path.c_str(), O_RDWR | O_CREAT | O_CLOEXEC, 0600);
  if (fd < 0)
    return Error{{path, 0, 0}, "database lock", std::string("cannot create the lock file: ") + std::strerror(errno)};
  if (::flock(fd, LOCK_EX | LOCK_NB) != 0) {
    const int err = errno;
    std::string holder;
    char buf[32] = {};
    const ssize_t n = ::pread(fd, buf, sizeof buf - 1, 0);
    for (ssize_t i = 0; i < n && buf[i] >= '0' && buf[i] <= '9'; ++i) holder += buf[i];
    ::close(fd);
    if (err != EWOULDBLOCK)
      return Error{{path, 0, 0}, "database lock", std::string("cannot lock: ") + std::strerror(err)};
    return Error{{database, 0, 0}, "database",
                 "in use by another aasr-bot (pid " + (holder.empty() ? std::string("unknown") : holder) +
                     ", lock file " + path + "); stop that one first, or give this one its own `database`"};
  }
  // Ours now: record our pid for the message a second daemon prints.
  const std::string pid = std::to_string(::getpid()) + "\n";
  if (::ftruncate(fd, 0) != 0 || ::pwrite(fd, pid.data(), pid.size(), 0) != static_cast<ssize_t>(pid.size())) {
    // The lock holds regardless; only the pid in the message is lost.
  }
  return std::unique_ptr<DatabaseLock>(new DatabaseLock(fd, path));
}

DatabaseLock::~DatabaseLock() {
  // The file stays: unlinking it races (a daemon that opened the old inode
  // and one that creates a new file could both hold "the" lock).
  ::close(fd_);
}

}  // namespace aasr::daemon
