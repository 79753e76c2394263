#include "tests/net/loopback_server.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstring>
#include <stdexcept>

namespace aasr::testing {
namespace {

const char* Reason(int status) {
  switch (status) {
    case 200: return "OK";
    case 202: return "Accepted";
    case 204: return "No Content";
    case 206: return "Partial Content";
    case 304: return "Not Modified";
    case 400: return "Bad Request";
    case 401: return "Unauthorized";
    case 403: return "Forbidden";
    case 404: return "Not Found";
    case 409: return "Conflict";
    case 422: return "Unprocessable Entity";
    case 429: return "Too Many Requests";
    case 500: return "Internal Server Error";
    case 502: return "Bad Gateway";
    case 503: return "Service Unavailable";
    default: return "Status";
  }
}

void SendAll(int fd, const std::string& data) {
  size_t sent = 0;
  while (sent < data.size()) {
    ssize_t n = ::send(fd, data.data() + sent, data.size() - sent, MSG_NOSIGNAL);
    if (n <= 0) return;
    sent += static_cast<size_t>(n);
  }
}

std::string Lower(std::string s) {
  std::transform(s.begin(), s.end(), s.begin(), [](unsigned char c) { return std::tolower(c); });
  return s;
}

}  // namespace

ServerResponse ServerResponse::Json(int status, const std::string& body) {
  ServerResponse r;
  r.status = status;
  r.headers = {{"Content-Type", "application/json; charset=utf-8"}};
  r.body = body;
  return r;
}

LoopbackServer::LoopbackServer(Handler handler) : handler_(std::move(handler)) {
  listen_fd_ = ::socket(AF_INET, SOCK_STREAM, 0);
  if (listen_fd_ < 0) throw std::runtime_error("socket failed");
  int one = 1;
  ::setsockopt(listen_fd_, SOL_SOCKET, SO_REUSEADDR, &one, sizeof one);
  sockaddr_in addr{};
  addr.sin_family = AF_INET;
  addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
  addr.sin_port = 0;
  if (::bind(listen_fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) != 0 || ::listen(listen_fd_, 64) != 0) {
    ::close(listen_fd_);
    throw std::runtime_error(std::string("bind/listen on 127.0.0.1 failed: ") + std::strerror(errno));
  }
  socklen_t len = sizeof addr;
  ::getsockname(listen_fd_, reinterpret_cast<sockaddr*>(&addr), &len);
  port_ = ntohs(addr.sin_port);
  acceptor_ = std::thread([this] { AcceptLoop(); });
}

LoopbackServer::~LoopbackServer() {
  stop_ = true;
  acceptor_.join();
  ::close(listen_fd_);
  std::vector<std::thread> threads;
  {
    std::lock_guard<std::mutex> lock(mu_);
    threads.swap(threads_);
  }
  for (auto& t : threads) t.join();
}

std::vector<ServerRequest> LoopbackServer::requests() {
  std::lock_guard<std::mutex> lock(mu_);
  return requests_;
}

void LoopbackServer::clear_requests() {
  std::lock_guard<std::mutex> lock(mu_);
  requests_.clear();
}

void LoopbackServer::AcceptLoop() {
  while (!stop_) {
    pollfd p{listen_fd_, POLLIN, 0};
    if (::poll(&p, 1, 20) <= 0) continue;
    int fd = ::accept(listen_fd_, nullptr, nullptr);
    if (fd < 0) continue;
    std::lock_guard<std::mutex> lock(mu_);
    threads_.emplace_back([this, fd] { Serve(fd); });
  }
}

void LoopbackServer::Serve(int fd) {
  std::string data;
  char buf[8192];
  size_t header_end = std::string::npos;
  auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(10);
  auto read_more = [&]() {
    pollfd p{fd, POLLIN, 0};
    if (::poll(&p, 1, 50) <= 0) return std::chrono::steady_clock::now() < deadline && !stop_;
    ssize_t n = ::recv(fd, buf, sizeof buf, 0);
    if (n <= 0) return false;
    data.append(buf, static_cast<size_t>(n));
    return true;
  };
  while ((header_end = data.find("\r\n\r\n")) == std::string::npos) {
    if (!read_more()) {
      ::close(fd);
      return;
    }
  }
  ServerRequest req;
  std::string head = data.substr(0, header_end);
  size_t line_end = head.find("\r\n");
  std::string request_line = head.substr(0, line_end);
  size_t sp1 = request_line.find(' ');
  size_t sp2 = request_line.rfind(' ');
  req.method = request_line.substr(0, sp1);
  req.target = request_line.substr(sp1 + 1, sp2 - sp1 - 1);
  size_t qm = req.target.find('?');
  req.path = req.target.substr(0, qm);
  if (qm != std::string::npos) req.query = net::ParseQuery(req.target.substr(qm + 1));
  size_t pos = line_end == std::string::npos ? head.size() : line_end + 2;
  while (pos < head.size()) {
    size_t e = head.find("\r\n", pos);
    if (e == std::string::npos) e = head.size();
    std::string line = head.substr(pos, e - pos);
    size_t colon = line.find(':');
    if (colon != std::string::npos) {
      std::string v = line.substr(colon + 1);
      v.erase(0, v.find_first_not_of(' '));
      req.headers.emplace_back(line.substr(0, colon), v);
    }
    pos = e + 2;
  }
  size_t content_length = 0;
  std::string cl = req.header("Content-Length");
  if (!cl.empty()) content_length = std::stoul(cl);
  bool chunked = Lower(req.header("Transfer-Encoding")) == "chunked";
  std::string rest = data.substr(header_end + 4);
  data = rest;
  if (chunked) {
    // Minimal chunked decoding: read until the terminating 0-size chunk.
    while (data.find("\r\n0\r\n\r\n") == std::string::npos && data.rfind("0\r\n\r\n", 0) != 0) {
      if (!read_more()) break;
    }
    std::string body;
    size_t p = 0;
    while (p < data.size()) {
      size_t e = data.find("\r\n", p);
      if (e == std::string::npos) break;
      size_t n = std::stoul(data.substr(p, e - p), nullptr, 16);
      if (n == 0) break;
      body += data.substr(e + 2, n);
      p = e + 2 + n + 2;
    }
    req.body = body;
  } else {
    while (data.size() < content_length) {
      if (!read_more()) break;
    }
    req.body = data.substr(0, content_length);
  }
  {
    std::lock_guard<std::mutex> lock(mu_);
    requests_.push_back(req);
  }
  ServerResponse resp;
  {
    std::lock_guard<std::mutex> lock(handler_mu_);
    resp = handler_(req);
  }
  for (int waited = 0; waited < resp.delay_ms && !stop_; waited += 10) {
    std::this_thread::sleep_for(std::chrono::milliseconds(10));
  }
  if (resp.fault == ServerResponse::Fault::kCloseWithoutAnswer) {
    linger lg{1, 0};  // RST instead of FIN: a genuine "connection reset"
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd);
    return;
  }
  std::string out = "HTTP/1.1 " + std::to_string(resp.status) + " " + Reason(resp.status) + "\r\n";
  bool has_type = false;
  for (const auto& [k, v] : resp.headers) {
    out += k + ": " + v + "\r\n";
    if (Lower(k) == "content-type") has_type = true;
  }
  if (!has_type && !resp.body.empty()) out += "Content-Type: application/json; charset=utf-8\r\n";
  out += "Content-Length: " + std::to_string(resp.body.size()) + "\r\n";
  out += "Connection: close\r\n\r\n";
  if (resp.fault == ServerResponse::Fault::kTruncateBody) {
    out += resp.body.substr(0, resp.body.size() / 2);
    SendAll(fd, out);
    linger lg{1, 0};
    ::setsockopt(fd, SOL_SOCKET, SO_LINGER, &lg, sizeof lg);
    ::close(fd);
    return;
  }
  out += resp.body;
  SendAll(fd, out);
  ::shutdown(fd, SHUT_WR);
  // Drain until the client closes, so the answer is not cut by an RST.
  pollfd p{fd, POLLIN, 0};
  for (int i = 0; i < 20 && ::poll(&p, 1, 50) > 0; ++i) {
    if (::recv(fd, buf, sizeof buf, 0) <= 0) break;
  }
  ::close(fd);
}

}  // namespace aasr::testing
