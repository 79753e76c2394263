// Test harness: the real `aasr-bot run` as a child process, in a scratch
// working directory with its own config, on a free loopback port.
//
//   DaemonWorkspace ws("reload");              // temp dir with rules/ posts/ copies
//   ws.WriteConfig(ws.DefaultConfig());        // config/bot.yaml; port chosen free
//   DaemonProcess d(ws);
//   REQUIRE(d.Start());                        // waits for GET /healthz == 200
//   auto body = d.Get("/metrics");             // status + body
//   int code = d.Terminate();                  // SIGTERM, exit status (-1: timed out)
//   d.Kill();                                  // SIGKILL, for crash tests
//
// The daemon's stdout and stderr go to ws.path()/daemon.log (appended per
// start), which failing assertions print. Nothing here sleeps for a fixed
// time: every wait polls a condition with a deadline.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <functional>
#include <map>
#include <string>
#include <utility>
#include <vector>
#include "aasr/build_paths.h"

namespace aasr::testing {

class DaemonWorkspace {
 public:
  // A fresh directory under the temp dir with copies of the shipped rules/
  // and posts/ (so tests may edit them) and an empty var/.
  explicit DaemonWorkspace(const std::string& name);
  ~DaemonWorkspace();

  const std::string& path() const { return path_; }
  std::string File(const std::string& relative) const { return path_ + "/" + relative; }
  int port() const { return port_; }
  std::string url() const { return "http://127.0.0.1:" + std::to_string(port_); }

  // The embedded default's shape (local platform, SQLite in var/), fast
  // intervals for tests, review on url(). `extra` is appended verbatim.
  std::string DefaultConfig(const std::string& extra = "") const;
  void WriteConfig(const std::string& yaml) const;  // config/bot.yaml
  void WriteFile(const std::string& relative, const std::string& content) const;
  std::string ReadFile(const std::string& relative) const;
  // Writes a JSON Lines file into var/inbox/ atomically (rename), so the
  // daemon never sees half a file.
  void DropInbox(const std::string& name, const std::vector<std::string>& json_lines) const;

  std::string Log() const;  // everything the daemon printed so far

 private:
  std::string path_;
  int port_ = 0;
};

struct HttpAnswer {
  int status = 0;  // 0: no answer
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // names lower-case
  std::string Header(const std::string& lower_name) const {
    for (const auto& [k, v] : headers)
      if (k == lower_name) return v;
    return "";
  }
};

class DaemonProcess {
 public:
  explicit DaemonProcess(const DaemonWorkspace& ws, std::vector<std::string> extra_args = {},
                         std::map<std::string, std::string> env = {});
  ~DaemonProcess();  // SIGKILL if still running

  // Spawns the daemon and waits until /healthz answers 200 (false on exit or timeout).
  bool Start(std::chrono::milliseconds timeout = std::chrono::seconds(20));
  // Spawns without waiting (for start-failure tests); then Wait().
  void Spawn();
  // Waits for exit; returns the exit status, 128+signal, or -1 on timeout.
  int Wait(std::chrono::milliseconds timeout);
  int Terminate(std::chrono::milliseconds timeout = std::chrono::seconds(12));
  void Kill();
  bool running() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  HttpAnswer Get(const std::string& path) const;
  HttpAnswer Request(const std::string& method, const std::string& path, const std::string& body,
                     const std::vector<std::pair<std::string, std::string>>& headers) const;

 private:
  const DaemonWorkspace& ws_;
  std::vector<std::string> args_;
  std::map<std::string, std::string> env_;
  pid_t pid_ = 0;
};

// Polls `cond` every 20 ms until it is true or `timeout` passes.
bool WaitFor(const std::function<bool()>& cond, std::chrono::milliseconds timeout);

// The aasr-bot executable of this build (AASR_BOT_EXE).
std::string BotExecutable();

}  // namespace aasr::testing
