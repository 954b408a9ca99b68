#include "http.hpp"

#include <algorithm>
#include <cstdio>
#include <optional>

namespace boka::server {
namespace {

bool iequals(std::string_view a, std::string_view b) {
  return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
           return std::tolower(static_cast<unsigned char>(x)) ==
                  std::tolower(static_cast<unsigned char>(y));
         });
}

int hex_digit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Percent-decodes `in`; nullopt when an escape is malformed.
std::optional<std::string> decode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    if (in[i] == '+') {
      out += ' ';
    } else if (in[i] == '%') {
      if (i + 2 >= in.size()) return std::nullopt;
      const int hi = hex_digit(in[i + 1]);
      const int lo = hex_digit(in[i + 2]);
      if (hi < 0 || lo < 0) return std::nullopt;
      out += static_cast<char>(hi * 16 + lo);
      i += 2;
    } else {
      out += in[i];
    }
  }
  return out;
}

// A parameter name fit for an error message: printable ASCII, at most 40 bytes.
std::string printable_name(std::string_view name) {
  std::string out;
  for (char c : name.substr(0, 40)) out += (c >= 0x20 && c < 0x7f) ? c : '?';
  return out;
}

}  // namespace

const std::string* Request::header(std::string_view name) const {
  for (const Field& f : headers) {
    if (iequals(f.first, name)) return &f.second;
  }
  return nullptr;
}

const std::string* Request::param(std::string_view name) const {
  for (const Field& f : query) {
    if (f.first == name) return &f.second;
  }
  return nullptr;
}

void Response::set_header(std::string_view name, std::string value) {
  headers.erase(std::remove_if(headers.begin(), headers.end(),
                               [&](const Field& f) { return iequals(f.first, name); }),
                headers.end());
  headers.emplace_back(std::string(name), std::move(value));
}

bool Response::has_header(std::string_view name) const {
  return std::any_of(headers.begin(), headers.end(),
                     [&](const Field& f) { return iequals(f.first, name); });
}

void Response::set_content(std::string content, std::string content_type) {
  body = std::move(content);
  set_header("Content-Type", std::move(content_type));
}

bool valid_utf8(std::string_view text) {
  const auto* s = reinterpret_cast<const unsigned char*>(text.data());
  const std::size_t n = text.size();
  for (std::size_t i = 0; i < n;) {
    const unsigned char c = s[i];
    if (c < 0x80) {
      ++i;
      continue;
    }
    std::size_t len = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (c >= 0xC2 && c <= 0xDF) {
      len = 2;
    } else if (c >= 0xE0 && c <= 0xEF) {
      len = 3;
      if (c == 0xE0) lo = 0xA0;  // overlong
      if (c == 0xED) hi = 0x9F;  // surrogates
    } else if (c >= 0xF0 && c <= 0xF4) {
      len = 4;
      if (c == 0xF0) lo = 0x90;  // overlong
      if (c == 0xF4) hi = 0x8F;  // past U+10FFFF
    } else {
      return false;
    }
    if (i + len > n || s[i + 1] < lo || s[i + 1] > hi) return false;
    for (std::size_t k = 2; k < len; ++k) {
      if (s[i + k] < 0x80 || s[i + k] > 0xBF) return false;
    }
    i += len;
  }
  return true;
}

void parse_target(std::string_view target, Request& out) {
  const auto question = target.find('?');
  out.path = std::string(target.substr(0, question));
  out.query.clear();
  out.query_error.clear();
  if (question == std::string_view::npos) return;
  std::string_view rest = target.substr(question + 1);
  while (!rest.empty()) {
    const auto amp = rest.find('&');
    const std::string_view pair = rest.substr(0, amp);
    rest = amp == std::string_view::npos ? std::string_view() : rest.substr(amp + 1);
    if (pair.empty()) continue;
    const auto eq = pair.find('=');
    const std::string_view raw_name = pair.substr(0, eq);
    const std::string_view raw_value =
        eq == std::string_view::npos ? std::string_view() : pair.substr(eq + 1);
    auto name = decode(raw_name);
    if (!name || !valid_utf8(*name) || name->find('\0') != std::string::npos) {
      out.query_error = "query: a parameter name is not valid percent-encoded UTF-8 (\"" +
                        printable_name(raw_name) + "\")";
      return;
    }
    auto value = decode(raw_value);
    if (!value) {
      out.query_error = "query " + printable_name(*name) + ": malformed percent-encoding";
      return;
    }
    if (!valid_utf8(*value)) {
      out.query_error = "query " + printable_name(*name) + ": not valid UTF-8";
      return;
    }
    if (value->find('\0') != std::string::npos) {
      out.query_error = "query " + printable_name(*name) + ": contains NUL";
      return;
    }
    out.query.emplace_back(std::move(*name), std::move(*value));
  }
}

void ThrottledLog::write(const char* what) noexcept {
  const std::int64_t now = std::chrono::duration_cast<std::chrono::milliseconds>(
                               std::chrono::steady_clock::now().time_since_epoch())
                               .count();
  std::int64_t last = last_ms_.load();
  const bool first = last == std::numeric_limits<std::int64_t>::min();
  if ((!first && now - last < every_ms_) || !last_ms_.compare_exchange_strong(last, now)) {
    ++left_out_;
    return;
  }
  const std::uint64_t left_out = left_out_.exchange(0);
  if (left_out == 0) {
    std::fprintf(stderr, "boka-server: %s\n", what);
  } else {
    std::fprintf(stderr, "boka-server: %s (%llu more like it since the last such line)\n", what,
                 static_cast<unsigned long long>(left_out));
  }
}

}  // namespace boka::server
