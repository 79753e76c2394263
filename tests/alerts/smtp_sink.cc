#include "tests/alerts/smtp_sink.h"

#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cstdio>
#include <atomic>
#include <filesystem>
#include <fstream>
#include <sstream>
#include "aasr/build_paths.h"

namespace aasr::testing {
namespace fs = std::filesystem;

SmtpSink::SmtpSink(const std::string& user, const std::string& password) {
  static std::atomic<int> n{0};
  dir_ = (fs::temp_directory_path() / ("aasr-smtp-" + std::to_string(::getpid()) + "-" + std::to_string(n++))).string();
  fs::remove_all(dir_);
  fs::create_directories(dir_);
  int fds[2];
  if (::pipe(fds) != 0) return;
  pid_ = ::fork();
  if (pid_ == 0) {
    ::dup2(fds[1], 1);
    // aiosmtpd's own log (warnings about AUTH without TLS, which the test wants) stays out of the test output.
    FILE* log = std::fopen((dir_ + ".log").c_str(), "w");
    if (log) ::dup2(::fileno(log), 2);
    ::close(fds[0]);
    ::close(fds[1]);
    const std::string script = std::string(AASR_SOURCE_DIR) + "/tests/alerts/smtp_sink.py";
    // Debian's interpreter, where python3-aiosmtpd is installed.
    ::execl("/usr/bin/python3", "python3", "-W", "ignore", script.c_str(), dir_.c_str(), user.c_str(),
            password.c_str(), static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  std::string line;
  char ch;
  while (::read(fds[0], &ch, 1) == 1 && ch != '\n') line += ch;
  ::close(fds[0]);
  try {
    port_ = std::stoi(line);
  } catch (...) {
    port_ = 0;
  }
}

SmtpSink::~SmtpSink() {
  if (pid_ > 0) {
    ::kill(pid_, SIGTERM);
    int status = 0;
    ::waitpid(pid_, &status, 0);
  }
  std::error_code ec;
  fs::remove_all(dir_, ec);
  fs::remove(dir_ + ".log", ec);
}

std::vector<std::string> SmtpSink::Messages() const {
  std::vector<std::pair<int, std::string>> found;
  std::error_code ec;
  for (const auto& e : fs::directory_iterator(dir_, ec)) {
    const std::string name = e.path().filename().string();
    if (e.path().extension() != ".eml") continue;
    std::ifstream in(e.path(), std::ios::binary);
    std::stringstream s;
    s << in.rdbuf();
    found.emplace_back(std::stoi(name), s.str());
  }
  std::sort(found.begin(), found.end());
  std::vector<std::string> out;
  for (auto& [k, v] : found) out.push_back(std::move(v));
  return out;
}

}  // namespace aasr::testing
