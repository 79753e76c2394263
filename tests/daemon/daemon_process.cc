#include "tests/daemon/daemon_process.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netinet/in.h>
#include <signal.h>
#include <sys/socket.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstring>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <thread>
#include "aasr/build_paths.h"

namespace aasr::testing {
namespace fs = std::filesystem;

namespace {

int FreePort() {
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = 0;
  ::bind(s, reinterpret_cast<sockaddr*>(&a), sizeof a);
  socklen_t len = sizeof a;
  ::getsockname(s, reinterpret_cast<sockaddr*>(&a), &len);
  int port = ntohs(a.sin_port);
  ::close(s);
  return port;
}

// A minimal HTTP/1.1 client over a socket: the tests must not depend on the
// code under test to observe it.
HttpAnswer RawRequest(int port, const std::string& method, const std::string& path, const std::string& body,
                      const std::vector<std::pair<std::string, std::string>>& headers) {
  HttpAnswer out;
  int s = ::socket(AF_INET, SOCK_STREAM, 0);
  if (s < 0) return out;
  timeval tv{10, 0};
  ::setsockopt(s, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
  sockaddr_in a{};
  a.sin_family = AF_INET;
  a.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  a.sin_port = htons(static_cast<uint16_t>(port));
  if (::connect(s, reinterpret_cast<sockaddr*>(&a), sizeof a) != 0) {
    ::close(s);
    return out;
  }
  std::string req = method + " " + path + " HTTP/1.1\r\nHost: 127.0.0.1:" + std::to_string(port) +
                    "\r\nConnection: close\r\nContent-Length: " + std::to_string(body.size()) + "\r\n";
  for (const auto& [k, v] : headers) req += k + ": " + v + "\r\n";
  req += "\r\n" + body;
  if (::send(s, req.data(), req.size(), MSG_NOSIGNAL) < 0) {
    ::close(s);
    return out;
  }
  std::string resp;
  char buf[65536];
  ssize_t n;
  while ((n = ::recv(s, buf, sizeof buf, 0)) > 0) resp.append(buf, static_cast<size_t>(n));
  ::close(s);
  if (resp.rfind("HTTP/1.1 ", 0) != 0) return out;
  out.status = std::atoi(resp.c_str() + 9);
  size_t head_end = resp.find("\r\n\r\n");
  if (head_end == std::string::npos) return out;
  std::string head = resp.substr(0, head_end);
  std::string rest = resp.substr(head_end + 4);
  std::string lower = head;
  for (char& c : lower) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  for (size_t pos = head.find("\r\n"); pos != std::string::npos;) {
    size_t next = head.find("\r\n", pos + 2);
    std::string line = head.substr(pos + 2, next == std::string::npos ? std::string::npos : next - pos - 2);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string name = lower.substr(pos + 2, colon);
      size_t v = colon + 1;
      while (v < line.size() && line[v] == ' ') ++v;
      out.headers.emplace_back(name, line.substr(v));
    }
    pos = next;
  }
  if (lower.find("transfer-encoding: chunked") != std::string::npos) {
    size_t pos = 0;
    while (pos < rest.size()) {
      size_t eol = rest.find("\r\n", pos);
      if (eol == std::string::npos) break;
      size_t len = std::stoul(rest.substr(pos, eol - pos), nullptr, 16);
      if (len == 0) break;
      out.body += rest.substr(eol + 2, len);
      pos = eol + 2 + len + 2;
    }
  } else {
    out.body = rest;
  }
  return out;
}

}  // namespace

bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout) {
  const auto deadline = std::chrono::steady_clock::now() + timeout;
  while (true) {
    if (cond()) return true;
    if (std::chrono::steady_clock::now() >= deadline) return false;
    std::this_thread::sleep_for(std::chrono::milliseconds(20));
  }
}

std::string BotExecutable() { return AASR_BOT_EXE; }

DaemonWorkspace::DaemonWorkspace(const std::string& name) {
  path_ = (fs::temp_directory_path() / ("aasr-daemon-" + name + "-" + std::to_string(::getpid()))).string();
  fs::remove_all(path_);
  fs::create_directories(path_ + "/var");
  fs::create_directories(path_ + "/config");
  fs::copy(std::string(AASR_SOURCE_DIR) + "/rules", path_ + "/rules", fs::copy_options::recursive);
  fs::copy(std::string(AASR_SOURCE_DIR) + "/posts", path_ + "/posts", fs::copy_options::recursive);
  port_ = FreePort();
}

DaemonWorkspace::~DaemonWorkspace() {
  std::error_code ec;
  if (!std::getenv("AASR_KEEP_TEST_DIRS")) fs::remove_all(path_, ec);
}

std::string DaemonWorkspace::DefaultConfig(const std::string& extra) const {
  return "database: var/aasr.db\n"
         "rules: rules\n"
         "posts: posts\n"
         "review: {listen: \"" + url() + "\"}\n"
         "polling: {seconds: 1, jitter: 0.1, actions_seconds: 1, outreach_seconds: 1, reload_seconds: 1}\n"
         "log: {format: json, level: info}\n"
         "accounts:\n"
         "  - {name: local, platform: local, dir: var}\n" + extra;
}

void DaemonWorkspace::WriteConfig(const std::string& yaml) const { WriteFile("config/bot.yaml", yaml); }

void DaemonWorkspace::WriteFile(const std::string& relative, const std::string& content) const {
  const fs::path p = fs::path(path_) / relative;
  fs::create_directories(p.parent_path());
  const std::string tmp = p.string() + ".tmp~";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  fs::rename(tmp, p);
}

std::string DaemonWorkspace::ReadFile(const std::string& relative) const {
  std::ifstream in(fs::path(path_) / relative, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

void DaemonWorkspace::DropInbox(const std::string& name, const std::vector<std::string>& json_lines) const {
  std::string content;
  for (const auto& l : json_lines) content += l + "\n";
  fs::create_directories(path_ + "/var/inbox");
  const std::string tmp = path_ + "/var/" + name + ".part";
  {
    std::ofstream out(tmp, std::ios::binary | std::ios::trunc);
    out << content;
  }
  fs::rename(tmp, path_ + "/var/inbox/" + name);
}

std::string DaemonWorkspace::Log() const { return ReadFile("daemon.log"); }

DaemonProcess::DaemonProcess(const DaemonWorkspace& ws, std::vector<std::string> extra_args,
                             std::map<std::string, std::string> env)
    : ws_(ws), args_(std::move(extra_args)), env_(std::move(env)) {}

DaemonProcess::~DaemonProcess() { Kill(); }

void DaemonProcess::Spawn() {
  const std::string log = ws_.File("daemon.log");
  pid_t pid = ::fork();
  if (pid == 0) {
    if (::chdir(ws_.path().c_str()) != 0) ::_exit(127);
    int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND, 0644);
    ::dup2(fd, 1);
    ::dup2(fd, 2);
    for (const auto& [k, v] : env_) ::setenv(k.c_str(), v.c_str(), 1);
    std::vector<std::string> argv = {BotExecutable(), "run", "--config", "config/bot.yaml"};
    argv.insert(argv.end(), args_.begin(), args_.end());
    std::vector<char*> cargv;
    for (auto& a : argv) cargv.push_back(a.data());
    cargv.push_back(nullptr);
    ::execv(cargv[0], cargv.data());
    ::_exit(127);
  }
  pid_ = pid;
}

bool DaemonProcess::Start(std::chrono::milliseconds timeout) {
  Spawn();
  return WaitFor(
      [this] {
        if (pid_ <= 0) return true;
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) == pid_) {
          pid_ = 0;
          return true;  // exited: Start fails below
        }
        return Get("/healthz").status == 200;
      },
      timeout) && pid_ > 0;
}

int DaemonProcess::Wait(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  int result = -1;
  WaitFor(
      [&] {
        int status = 0;
        if (::waitpid(pid_, &status, WNOHANG) != pid_) return false;
        result = WIFEXITED(status) ? WEXITSTATUS(status) : 128 + WTERMSIG(status);
        return true;
      },
      timeout);
  if (result != -1) pid_ = 0;
  return result;
}

int DaemonProcess::Terminate(std::chrono::milliseconds timeout) {
  if (pid_ <= 0) return -1;
  ::kill(pid_, SIGTERM);
  return Wait(timeout);
}

void DaemonProcess::Kill() {
  if (pid_ <= 0) return;
  ::kill(pid_, SIGKILL);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = 0;
}

HttpAnswer DaemonProcess::Get(const std::string& path) const { return RawRequest(ws_.port(), "GET", path, "", {}); }

HttpAnswer DaemonProcess::Request(const std::string& method, const std::string& path, const std::string& body,
                                  const std::vector<std::pair<std::string, std::string>>& headers) const {
  return RawRequest(ws_.port(), method, path, body, headers);
}

}  // namespace aasr::testing
