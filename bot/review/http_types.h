// The review server's view of HTTP, independent of the HTTP library.
//
// ReviewApi and every mounted handler take a Request and return a Response;
// server.cc translates to and from cpprestsdk. Keeping handlers free of the
// library makes them testable without sockets and lets the daemon mount its
// own routes (webhooks, /healthz, /metrics) with plain functions.
// Header names are stored lower-case.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <vector>

namespace aasr::review {

struct Request {
  std::string method;                         // "GET", "POST", ...
  std::string path;                           // decoded, without the query
  std::map<std::string, std::string> query;   // decoded
  std::map<std::string, std::string> headers; // lower-case names
  std::string body;
  std::string remote_address;                 // the peer's IP address

  std::string Header(const std::string& lower_name) const {
    auto it = headers.find(lower_name);
    return it == headers.end() ? std::string() : it->second;
  }
  std::string Query(const std::string& name) const {
    auto it = query.find(name);
    return it == query.end() ? std::string() : it->second;
  }
};

struct Response {
  int status = 200;
  std::vector<std::pair<std::string, std::string>> headers;
  std::string body;
  std::string content_type = "application/json; charset=utf-8";
};

using Handler = std::function<Response(const Request&)>;

}  // namespace aasr::review
