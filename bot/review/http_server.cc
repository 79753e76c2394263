#include "bot/review/http_server.h"

#include <algorithm>
#include <atomic>
#include <cctype>
#include <future>
#include <map>
#include <mutex>
#include <optional>
#include <sstream>
#include <thread>
#include <vector>

#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cpprest/uri.h>
#include <spdlog/spdlog.h>

namespace aasr::review {

namespace net = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = net::ip::tcp;

namespace {

std::string Decode(std::string s) {
  std::replace(s.begin(), s.end(), '+', ' ');
  try {
    return web::uri::decode(s);
  } catch (...) {
    return s;
  }
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

// What reaches the handler; the rest is refused before it.
bool Served(http::verb v) {
  switch (v) {
    case http::verb::get: case http::verb::head: case http::verb::post: case http::verb::put:
    case http::verb::delete_: case http::verb::patch: case http::verb::options:
      return true;
    default:
      return false;
  }
}

constexpr const char* kAllow = "GET, HEAD, POST, PUT, DELETE, PATCH, OPTIONS";

struct ListenAddress {
  std::string host;
  std::string port;
};

Result<ListenAddress> ParseListen(const std::string& url) {
  auto bad = [&](const std::string& why) {
    return Error{{url, 0, 0}, "listen", why, ErrorCode::kInvalidInput};
  };
  std::string rest;
  if (url.rfind("https://", 0) == 0)
    return Error{{url, 0, 0}, "listen",
                 "https is not served directly: listen on http:// (loopback) behind a TLS reverse proxy",
                 ErrorCode::kUnsupported};
  if (url.rfind("http://", 0) != 0) return bad("the listen address must start with http://");
  rest = url.substr(7);
  rest = rest.substr(0, rest.find('/'));
  ListenAddress a;
  if (!rest.empty() && rest[0] == '[') {  // [::1]:8080
    auto close = rest.find(']');
    if (close == std::string::npos) return bad("unclosed '[' in the host");
    a.host = rest.substr(1, close - 1);
    rest = rest.substr(close + 1);
    a.port = rest.rfind(':', 0) == 0 ? rest.substr(1) : "80";
  } else {
    auto colon = rest.rfind(':');
    a.host = rest.substr(0, colon);
    a.port = colon == std::string::npos ? "80" : rest.substr(colon + 1);
  }
  if (a.host.empty()) return bad("no host in the listen address");
  if (a.port.empty() || a.port.find_first_not_of("0123456789") != std::string::npos || a.port.size() > 5 ||
      std::stoi(a.port) > 65535)
    return bad("bad port '" + a.port + "'");
  return a;
}

}  // namespace

struct HttpServer::Impl {
  TransportOptions options;
  AsyncHandler handler;
  ErrorResponder errors;

  std::unique_ptr<net::io_context> ioc;
  // Keeps run() going once the acceptor is closed and no connection is left.
  std::optional<net::executor_work_guard<net::io_context::executor_type>> work;
  bool accepting = false;
  std::unique_ptr<net::thread_pool> handlers;
  std::optional<tcp::acceptor> acceptor;
  std::optional<net::steady_timer> retry_timer;
  std::vector<std::thread> threads;

  mutable std::mutex mu;
  int open = 0;
  std::map<std::string, int> per_address;
  std::atomic<int> in_flight{0};
  std::atomic<bool> closing{false};  // no keep-alive once Stop() began
  std::string refusal;               // the canned 503, written on accept

  void Accept();
  void OnAccept(beast::error_code ec, tcp::socket socket);
  void Release(const std::string& address) {
    std::lock_guard<std::mutex> lock(mu);
    --open;
    if (--per_address[address] <= 0) per_address.erase(address);
  }
};

namespace {

class Session : public std::enable_shared_from_this<Session> {
 public:
  Session(HttpServer::Impl* server, tcp::socket socket, std::string address)
      : server_(server), stream_(std::move(socket)), address_(std::move(address)) {}
  ~Session() { server_->Release(address_); }

  // A fresh connection: its head is due within the header timeout.
  void Start() { ReadHeader(); }

 private:
  const TransportOptions& opt() const { return server_->options; }
  static std::chrono::milliseconds Ms(int64_t ms) { return std::chrono::milliseconds(ms); }

  void ReadHeader() {
    parser_.emplace();
    parser_->header_limit(static_cast<std::uint32_t>(opt().max_header_bytes));
    parser_->body_limit(opt().max_body_bytes);
    stream_.expires_after(Ms(opt().header_timeout_ms));
    http::async_read_header(stream_, buffer_, *parser_,
                            [self = shared_from_this()](beast::error_code ec, size_t) { self->OnHeader(ec); });
  }

  // Between requests: wait for the next one's first byte, then give its head
  // the header timeout (a slow head on a kept-alive connection is cut too).
  void WaitIdle() {
    if (buffer_.size() > 0) return ReadHeader();  // pipelined
    stream_.expires_after(Ms(opt().idle_timeout_ms));
    stream_.async_read_some(buffer_.prepare(4096), [self = shared_from_this()](beast::error_code ec, size_t n) {
      if (ec) return self->Close();
      self->buffer_.commit(n);
      self->ReadHeader();
    });
  }

  // Errors reading a request: answer what deserves an answer, then close.
  void Fail(beast::error_code ec) {
    if (ec == http::error::header_limit)
      return Refuse(431, "header_too_large", "request head over " + std::to_string(opt().max_header_bytes) + " bytes");
    if (ec == http::error::body_limit)
      return Refuse(413, "too_large", "request body over " + std::to_string(opt().max_body_bytes) + " bytes");
    if (ec.category() == http::make_error_code(http::error::bad_method).category() &&
        ec != http::error::end_of_stream &&
        ec != http::error::partial_message)
      return Refuse(400, "bad_request", "malformed HTTP request");
    Close();  // closed by the peer, timed out, reset
  }

  void OnHeader(beast::error_code ec) {
    if (ec) return Fail(ec);
    auto& req = parser_->get();
    method_ = std::string(req.method_string());
    version_ = req.version();
    if (req.method() == http::verb::trace || req.method() == http::verb::connect) {
      Response r = server_->errors(405, "method_not_allowed", method_ + " is not allowed");
      r.headers.push_back({"Allow", kAllow});
      return Write(std::move(r), false);
    }
    if (!Served(req.method())) return Refuse(501, "not_implemented", "method not implemented");
    if (parser_->is_done()) return OnRequest();
    if (beast::iequals(req[http::field::expect], "100-continue")) {
      // Only now that the declared length is known to fit (or is chunked).
      continue_.emplace(http::status::continue_, req.version());
      stream_.expires_after(Ms(opt().body_timeout_ms));
      return http::async_write(stream_, *continue_, [self = shared_from_this()](beast::error_code ec, size_t) {
        if (ec) return self->Close();
        self->ReadBody();
      });
    }
    ReadBody();
  }

  void ReadBody() {
    stream_.expires_after(Ms(opt().body_timeout_ms));
    http::async_read(stream_, buffer_, *parser_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (ec) return self->Fail(ec);
      self->OnRequest();
    });
  }

  void OnRequest() {
    stream_.expires_never();  // a deferred answer (events) may take 25 s
    auto& req = parser_->get();
    Request r;
    r.method = method_;
    std::string target(req.target());
    if (target.rfind("http://", 0) == 0 || target.rfind("https://", 0) == 0) {  // absolute-form
      auto slash = target.find('/', target.find("//") + 2);
      target = slash == std::string::npos ? "/" : target.substr(slash);
    }
    const auto q = target.find('?');
    r.path = Decode(target.substr(0, q));
    if (q != std::string::npos) {
      try {
        for (const auto& [k, v] : web::uri::split_query(target.substr(q + 1))) r.query[Decode(k)] = Decode(v);
      } catch (const std::exception&) {
        return Refuse(400, "bad_request", "malformed query string");
      }
    }
    for (const auto& f : req) {
      std::string name = Lower(std::string(f.name_string()));
      auto [it, fresh] = r.headers.emplace(name, std::string(f.value()));
      if (!fresh) it->second += ", " + std::string(f.value());
    }
    r.body = std::move(req.body());
    r.remote_address = address_;
    keep_alive_ = req.keep_alive();
    version_ = req.version();
    head_ = req.method() == http::verb::head;
    ++server_->in_flight;
    answered_ = std::make_shared<std::atomic<bool>>(false);
    Reply reply = [self = shared_from_this(), done = answered_](Response resp) {
      if (done->exchange(true)) return;  // exactly once
      net::post(self->stream_.get_executor(),
                [self, resp = std::move(resp)]() mutable { self->Write(std::move(resp), self->keep_alive_, true); });
    };
    net::post(*server_->handlers, [server = server_, r = std::move(r), reply]() mutable {
      try {
        server->handler(std::move(r), reply);
      } catch (const std::exception& e) {
        spdlog::error("request handler: {}", e.what());
        reply(server->errors(500, "internal", "internal error; see the server log"));
      }
    });
  }

  // The transport's own refusals close the connection: nothing more is read.
  void Refuse(int status, const std::string& code, const std::string& message) {
    spdlog::debug("{} {} {} (refused: {})", method_.empty() ? "-" : method_, "-", status, message);
    Write(server_->errors(status, code, message), false);
  }

  void Write(Response resp, bool keep_alive, bool counted = false) {
    counted_ = counted;
    keep_alive = keep_alive && !server_->closing.load();
    res_.emplace();
    res_->version(version_ ? version_ : 11);
    res_->result(static_cast<unsigned>(resp.status));
    for (const auto& [k, v] : resp.headers) res_->insert(k, v);
    res_->set(http::field::content_type, resp.content_type);
    res_->keep_alive(keep_alive);
    if (head_) {
      res_->content_length(resp.body.size());
    } else {
      res_->body() = std::move(resp.body);
      res_->prepare_payload();
    }
    keep_alive_ = keep_alive;
    stream_.expires_after(Ms(opt().body_timeout_ms));
    http::async_write(stream_, *res_, [self = shared_from_this()](beast::error_code ec, size_t) {
      if (self->counted_) --self->server_->in_flight;
      self->counted_ = false;
      if (ec || !self->keep_alive_) return self->Close();
      self->head_ = false;
      self->method_.clear();
      self->WaitIdle();
    });
  }

  void Close() {
    beast::error_code ec;
    stream_.socket().shutdown(tcp::socket::shutdown_both, ec);
    stream_.close();
  }

  HttpServer::Impl* server_;
  beast::tcp_stream stream_;
  std::string address_;
  beast::flat_buffer buffer_;
  std::optional<http::request_parser<http::string_body>> parser_;
  std::optional<http::response<http::empty_body>> continue_;
  std::optional<http::response<http::string_body>> res_;
  std::shared_ptr<std::atomic<bool>> answered_;
  std::string method_;
  unsigned version_ = 11;
  bool keep_alive_ = false, head_ = false, counted_ = false;
};

}  // namespace

void HttpServer::Impl::Accept() {
  acceptor->async_accept(net::make_strand(*ioc), [this](beast::error_code ec, tcp::socket socket) {
    OnAccept(ec, std::move(socket));
  });
}

void HttpServer::Impl::OnAccept(beast::error_code ec, tcp::socket socket) {
  if (ec == net::error::operation_aborted || !acceptor || !acceptor->is_open()) return;
  if (ec) {
    // Out of file descriptors, typically: wait a little rather than spin.
    spdlog::warn("review server: accept: {}", ec.message());
    retry_timer->expires_after(std::chrono::milliseconds(100));
    retry_timer->async_wait([this](beast::error_code e) {
      if (!e) Accept();
    });
    return;
  }
  beast::error_code pe;
  auto peer = socket.remote_endpoint(pe);
  std::string address = pe ? "" : peer.address().to_string();
  bool admitted = false;
  {
    std::lock_guard<std::mutex> lock(mu);
    int& mine = per_address[address];
    if (open < options.max_connections && mine < options.max_connections_per_address) {
      ++open;
      ++mine;
      admitted = true;
    } else if (mine == 0) {
      per_address.erase(address);
    }
  }
  if (admitted) {
    std::make_shared<Session>(this, std::move(socket), std::move(address))->Start();
  } else {
    // Best effort, without blocking: the send buffer of a fresh socket is empty.
    beast::error_code we;
    socket.non_blocking(true, we);
    socket.write_some(net::buffer(refusal), we);
    socket.shutdown(tcp::socket::shutdown_both, we);
    socket.close(we);
    spdlog::debug("review server: refused a connection from {} (connection cap)", address);
  }
  Accept();
}

HttpServer::HttpServer(TransportOptions options, AsyncHandler handler, ErrorResponder errors)
    : impl_(std::make_unique<Impl>()) {
  impl_->options = options;
  impl_->handler = std::move(handler);
  impl_->errors = std::move(errors);
}

HttpServer::~HttpServer() { Stop(std::chrono::milliseconds(0)); }

Status HttpServer::Listen(const std::string& url) {
  auto where = ParseListen(url);
  if (!where.ok()) return where.errors();
  Impl& s = *impl_;
  const unsigned cores = std::max(1u, std::thread::hardware_concurrency());
  const int io_threads = s.options.io_threads > 0 ? s.options.io_threads : static_cast<int>(cores);
  const int handler_threads =
      s.options.handler_threads > 0 ? s.options.handler_threads : static_cast<int>(std::max(4u, 2 * cores));
  {
    Response r = s.errors(503, "busy", "too many connections; try again shortly");
    http::response<http::string_body> m;
    m.result(static_cast<unsigned>(r.status));
    for (const auto& [k, v] : r.headers) m.insert(k, v);
    m.set(http::field::content_type, r.content_type);
    m.set(http::field::retry_after, "5");
    m.keep_alive(false);
    m.body() = r.body;
    m.prepare_payload();
    std::ostringstream out;
    out << m;
    s.refusal = out.str();
  }
  s.ioc = std::make_unique<net::io_context>(io_threads);
  try {
    tcp::resolver resolver(*s.ioc);
    auto results = resolver.resolve(where.value().host, where.value().port,
                                    tcp::resolver::passive | tcp::resolver::numeric_service);
    if (results.empty()) throw std::runtime_error("no address for " + where.value().host);
    tcp::endpoint ep = results.begin()->endpoint();
    // On a strand of its own: accepts and StopAccepting never run at once.
    s.acceptor.emplace(net::make_strand(*s.ioc));
    s.retry_timer.emplace(s.acceptor->get_executor());
    s.acceptor->open(ep.protocol());
    s.acceptor->set_option(net::socket_base::reuse_address(true));
    s.acceptor->bind(ep);
    s.acceptor->listen(net::socket_base::max_listen_connections);
  } catch (const std::exception& e) {
    s.acceptor.reset();
    s.retry_timer.reset();
    s.ioc.reset();
    return Error{{url, 0, 0}, "listen", std::string("cannot listen: ") + e.what(), ErrorCode::kIo};
  }
  s.handlers = std::make_unique<net::thread_pool>(handler_threads);
  s.work.emplace(s.ioc->get_executor());
  s.accepting = true;
  s.Accept();
  for (int i = 0; i < io_threads; ++i) s.threads.emplace_back([ioc = s.ioc.get()] { ioc->run(); });
  return Ok{};
}

void HttpServer::StopAccepting() {
  Impl& s = *impl_;
  if (!s.ioc || !s.acceptor || !s.accepting) return;
  s.accepting = false;
  std::promise<void> done;
  net::post(s.acceptor->get_executor(), [&] {
    beast::error_code ec;
    s.acceptor->close(ec);
    s.retry_timer->cancel();
    done.set_value();
  });
  done.get_future().wait();
}

void HttpServer::Stop(std::chrono::milliseconds drain) {
  Impl& s = *impl_;
  if (!s.ioc) return;
  StopAccepting();
  s.closing = true;
  // Answers already computed (the 503s to waiting pages) go out, within a bound:
  // a client that stopped reading must not hold up the stop.
  const auto deadline = std::chrono::steady_clock::now() + drain;
  while (s.in_flight.load() > 0 && std::chrono::steady_clock::now() < deadline)
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  s.handlers->stop();
  s.handlers->join();
  s.work.reset();
  s.ioc->stop();
  for (auto& t : s.threads) t.join();
  s.threads.clear();
  // Sessions still queued in either are destroyed here (their sockets close),
  // while the counts they give back still exist.
  s.handlers.reset();
  s.acceptor.reset();
  s.retry_timer.reset();
  s.ioc.reset();
  s.closing = false;
}

int HttpServer::connections() const {
  std::lock_guard<std::mutex> lock(impl_->mu);
  return impl_->open;
}

int HttpServer::in_flight() const { return impl_->in_flight.load(); }

}  // namespace aasr::review
