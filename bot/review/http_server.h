// HttpServer: the review server's transport (Boost.Beast over one Asio
// io_context), built so that no client can knock it over.
//
// Promises:
// - Memory per connection is bounded whatever the framing: a request head
//   over max_header_bytes is answered 431, a body over max_body_bytes
//   (Content-Length or chunked: Beast's parser counts the decoded bytes) is
//   answered 413; either way the connection is closed at once and nothing
//   more is read from it. In all: max_connections x (header + body limit).
// - A connection that has not sent its whole head header_timeout after it
//   opened (or after the first byte of a kept-alive request) is closed, so
//   is one idle idle_timeout between requests, one whose body is not in
//   within body_timeout, and one that does not read its response within
//   body_timeout.
// - Connections beyond max_connections, or beyond max_connections_per_address
//   from one peer address, get a 503 and are closed on accept.
// - TRACE and CONNECT are refused 405 (TRACE would echo the session cookie),
//   methods the server does not know 501; neither reaches the handler.
// - HTTP/1.0 and 1.1, keep-alive as the client asks; Expect: 100-continue
//   is answered only for a body within the limit.
// - Handlers run on their own small pool, never on the I/O threads, so a
//   slow handler (Argon2id, SQLite) delays no other connection's timers.
// Thread safety: Listen and Stop from one thread; the handler and Reply from
// any thread. A Reply must be called (or dropped) before Stop() returns.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "bot/review/http_types.h"
#include "bot/util/error.h"

namespace aasr::review {

struct TransportOptions {
  size_t max_header_bytes = 16 * 1024;  // request line + headers
  size_t max_body_bytes = 1 << 20;      // decoded body, any framing
  int64_t header_timeout_ms = 10'000;
  int64_t idle_timeout_ms = 30'000;     // between requests on a kept-alive connection
  int64_t body_timeout_ms = 30'000;     // reading a body; writing a response
  int max_connections = 1024;
  // Behind a reverse proxy every connection comes from the proxy: raise it.
  int max_connections_per_address = 128;
  int io_threads = 0;       // 0: one per core
  int handler_threads = 0;  // 0: max(4, 2 per core)
};

// Answers one request exactly once, from any thread.
using Reply = std::function<void(Response)>;
// Called on the handler pool; may call `reply` now or keep it for later.
using AsyncHandler = std::function<void(Request, Reply)>;
// The transport's own answers (413, 431, 405, 501, 503, 400): status, code,
// message; lets the caller add the headers every response carries.
using ErrorResponder = std::function<Response(int, const std::string&, const std::string&)>;

class HttpServer {
 public:
  HttpServer(TransportOptions options, AsyncHandler handler, ErrorResponder errors);
  ~HttpServer();  // Stop()
  HttpServer(const HttpServer&) = delete;

  // Binds `url` (http://host:port; https is refused: use a TLS proxy) and
  // starts the threads. An Error names the address when it cannot.
  Status Listen(const std::string& url);
  // Accepts no new connection (the others carry on).
  void StopAccepting();
  // Waits up to `drain` for the requests being answered to be written, then
  // closes every connection and joins the threads.
  void Stop(std::chrono::milliseconds drain = std::chrono::milliseconds(2000));

  int connections() const;  // open now
  int in_flight() const;    // requests read and not yet answered

  struct Impl;  // http_server.cc (its connections reach it)

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace aasr::review
