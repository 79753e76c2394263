// SmtpSink: the real SMTP server of tests/alerts/smtp_sink.py (Debian's
// python3-aiosmtpd) as a child process on 127.0.0.1 and a free port, AUTH
// required. Messages() returns every message received so far, whole.
#pragma once

#include <sys/types.h>

#include <string>
#include <vector>

namespace aasr::testing {

class SmtpSink {
 public:
  SmtpSink(const std::string& user, const std::string& password);
  ~SmtpSink();  // SIGTERM, then wait
  bool ok() const { return port_ > 0; }
  int port() const { return port_; }
  std::string url() const { return "smtp://127.0.0.1:" + std::to_string(port_); }
  std::vector<std::string> Messages() const;  // oldest first

 private:
  std::string dir_;
  pid_t pid_ = 0;
  int port_ = 0;
};

}  // namespace aasr::testing
