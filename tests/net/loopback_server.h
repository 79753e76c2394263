// LoopbackServer: a tiny HTTP/1.1 server on 127.0.0.1 for tests.
//
// Binds an ephemeral port (port 0), so parallel test runs never collide.
// Each connection gets one request and one answer ("Connection: close").
// The handler decides the answer and may inject faults the way real servers
// fail: answering late (past the client's timeout), closing the connection
// without answering (a reset), or sending a body shorter than promised.
// Every request is recorded so tests can assert what the server saw.
//
// Thread safety: the handler runs on connection threads, one at a time (a
// mutex serializes handlers so fake servers need no locking of their own).
#pragma once

#include <atomic>
#include <functional>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "bot/net/form.h"
#include "bot/net/http_client.h"

namespace aasr::testing {

struct ServerRequest {
  std::string method;
  std::string target;  // path and query as sent
  std::string path;
  net::Params query;
  net::Headers headers;
  std::string body;
  std::string header(const std::string& name) const { return net::FindHeader(headers, name); }
  net::Params form() const { return net::ParseQuery(body); }  // for form-encoded bodies
};

struct ServerResponse {
  enum class Fault { kNone, kCloseWithoutAnswer, kTruncateBody };
  int status = 200;
  net::Headers headers;
  std::string body;
  int delay_ms = 0;  // wait this long before answering
  Fault fault = Fault::kNone;

  static ServerResponse Json(int status, const std::string& body);
};

class LoopbackServer {
 public:
  using Handler = std::function<ServerResponse(const ServerRequest&)>;
  explicit LoopbackServer(Handler handler);
  ~LoopbackServer();

  int port() const { return port_; }
  std::string base_url() const { return "http://127.0.0.1:" + std::to_string(port_); }
  std::vector<ServerRequest> requests();
  void clear_requests();

 private:
  void AcceptLoop();
  void Serve(int fd);

  Handler handler_;
  int listen_fd_ = -1;
  int port_ = 0;
  std::atomic<bool> stop_{false};
  std::thread acceptor_;
  std::mutex mu_;          // guards requests_ and threads_
  std::mutex handler_mu_;  // one handler at a time
  std::vector<ServerRequest> requests_;
  std::vector<std::thread> threads_;
};

}  // namespace aasr::testing
