// The template language: a parser to a flat program of text slices, insertions and
// section jumps, and its renderer. Flat rather than a tree so that neither parse nor render
// recurses: nesting depth is bounded only by the 64 KiB limit, never by the stack.
#include "notify/notify.hpp"

#include <algorithm>
#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace boka::notify {
namespace {

// 1-based line and column (in code points) of byte `pos` of `text`, whose bytes before
// `pos` are valid UTF-8.
std::string where(std::string_view text, std::size_t pos) {
  std::size_t line = 1, column = 1;
  for (std::size_t i = 0; i < pos; ++i) {
    const auto byte = static_cast<unsigned char>(text[i]);
    if (byte == '\n') {
      ++line;
      column = 1;
    } else if ((byte & 0xC0) != 0x80) {
      ++column;
    }
  }
  return "line " + std::to_string(line) + ", column " + std::to_string(column);
}

std::size_t line_of(std::string_view text, std::size_t pos) {
  return 1 + static_cast<std::size_t>(
                 std::count(text.begin(), text.begin() + static_cast<std::ptrdiff_t>(pos), '\n'));
}

// The offset of the first byte that is not part of well-formed UTF-8 (no overlong forms,
// no surrogates, nothing above U+10FFFF), or npos.
std::size_t invalid_utf8_at(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto b0 = static_cast<unsigned char>(s[i]);
    if (b0 < 0x80) {
      ++i;
      continue;
    }
    std::size_t n = 0;
    unsigned char lo = 0x80, hi = 0xBF;  // the allowed range of the second byte
    if (b0 >= 0xC2 && b0 <= 0xDF) {
      n = 1;
    } else if (b0 >= 0xE0 && b0 <= 0xEF) {
      n = 2;
      if (b0 == 0xE0) lo = 0xA0;  // overlong
      if (b0 == 0xED) hi = 0x9F;  // surrogates
    } else if (b0 >= 0xF0 && b0 <= 0xF4) {
      n = 3;
      if (b0 == 0xF0) lo = 0x90;  // overlong
      if (b0 == 0xF4) hi = 0x8F;  // above U+10FFFF
    } else {
      return i;
    }
    if (i + n >= s.size()) return i;  // truncated
    for (std::size_t k = 1; k <= n; ++k) {
      const auto b = static_cast<unsigned char>(s[i + k]);
      const unsigned char min = k == 1 ? lo : 0x80, max = k == 1 ? hi : 0xBF;
      if (b < min || b > max) return i;
    }
    i += n + 1;
  }
  return std::string_view::npos;
}

bool is_blank(char c) { return c == ' ' || c == '\t'; }

std::string_view trim(std::string_view s) {
  while (!s.empty() && is_blank(s.front())) s.remove_prefix(1);
  while (!s.empty() && is_blank(s.back())) s.remove_suffix(1);
  return s;
}

bool valid_name(std::string_view name) {
  return !name.empty() && std::all_of(name.begin(), name.end(), [](char c) {
    return (c >= 'a' && c <= 'z') || (c >= '0' && c <= '9') || c == '_' || c == '.';
  });
}

// A tag as quoted in an error: whole when short, else its first 40 bytes (cut at a
// character boundary) and "...".
std::string quote_tag(std::string_view tag) {
  if (tag.size() <= 48) return std::string(tag);
  std::size_t cut = 40;
  while (cut > 0 && (static_cast<unsigned char>(tag[cut]) & 0xC0) == 0x80) --cut;
  return std::string(tag.substr(0, cut)) + "...";
}

void append_escaped(std::string& out, std::string_view value) {
  for (char c : value) {
    switch (c) {
      case '&': out += "&amp;"; break;
      case '<': out += "&lt;"; break;
      case '>': out += "&gt;"; break;
      case '"': out += "&quot;"; break;
      case '\'': out += "&#39;"; break;
      default: out += c;
    }
  }
}

}  // namespace

Result<Template> Template::parse(std::string_view text, const std::vector<std::string>& known,
                                 std::string_view field) {
  const std::string prefix = std::string(field) + ": ";
  if (text.size() > kMaxBytes) {
    return InvalidArgument(prefix + "the template is " + std::to_string(text.size()) +
                           " bytes, more than the " + std::to_string(kMaxBytes) + " allowed");
  }
  if (const std::size_t bad = invalid_utf8_at(text); bad != std::string_view::npos) {
    return InvalidArgument(prefix + "invalid UTF-8 at " + where(text, bad));
  }

  Template t;
  t.source_ = std::string(text);
  const std::string_view src = t.source_;

  struct Open {
    std::string name;
    std::size_t op;    // the index of its section op
    std::size_t line;  // where it opened
  };
  std::vector<Open> open;
  std::size_t text_start = 0;  // the first byte not yet in an op

  auto emit_text = [&](std::size_t begin, std::size_t end) {
    if (end > begin) t.ops_.push_back(Op{Op::Kind::text, begin, end - begin, {}, 0});
  };

  for (;;) {
    const std::size_t tag_begin = src.find("{{", text_start);
    if (tag_begin == std::string_view::npos) {
      emit_text(text_start, src.size());
      break;
    }
    const std::size_t close = src.find("}}", tag_begin + 2);
    if (close == std::string_view::npos) {
      return InvalidArgument(prefix + "unterminated \"{{\" at " + where(src, tag_begin) +
                             " (no \"}}\" follows)");
    }
    const std::size_t tag_end = close + 2;
    const std::string_view tag = src.substr(tag_begin, tag_end - tag_begin);
    std::string_view inner = trim(src.substr(tag_begin + 2, close - tag_begin - 2));
    auto unsupported = [&](const char* why) {
      return InvalidArgument(prefix + "unsupported tag \"" + quote_tag(tag) + "\" at " +
                             where(src, tag_begin) + " (" + why + ")");
    };

    Op::Kind kind = Op::Kind::variable;
    bool comment = false;
    std::string_view name;
    const char sigil = inner.empty() ? '\0' : inner.front();
    switch (sigil) {
      case '!': comment = true; break;
      case '#': kind = Op::Kind::section; break;
      case '^': kind = Op::Kind::inverted; break;
      case '/': kind = Op::Kind::end; break;
      case '{':
        return unsupported("triple braces: values are escaped by how the message is rendered");
      case '&':
        return unsupported(
            "unescaped insertion: values are escaped by how the message is rendered");
      case '>': return unsupported("partials are not supported");
      case '=': return unsupported("delimiter changes are not supported");
      default: break;
    }
    if (!comment) {
      name = kind == Op::Kind::variable ? inner : trim(inner.substr(1));
      if (name.empty()) return unsupported("a tag needs a variable name");
      if (!valid_name(name)) {
        return unsupported("names are lower-case letters, digits, \"_\" and \".\"");
      }
      if (std::find(known.begin(), known.end(), name) == known.end()) {
        return InvalidArgument(prefix + "unknown variable \"" + std::string(name) + "\" at " +
                               where(src, tag_begin));
      }
    }

    // A section, close or comment tag alone on its line takes the line with it.
    std::size_t text_end = tag_begin, next_start = tag_end;
    if (comment || kind != Op::Kind::variable) {
      const std::size_t nl_before =
          tag_begin == 0 ? std::string_view::npos : src.rfind('\n', tag_begin - 1);
      const std::size_t line_start = nl_before == std::string_view::npos ? 0 : nl_before + 1;
      std::size_t line_end = src.find('\n', tag_end);
      if (line_end == std::string_view::npos) line_end = src.size();
      const std::string_view before = src.substr(line_start, tag_begin - line_start);
      const std::string_view after = src.substr(tag_end, line_end - tag_end);
      const bool standalone =
          line_start >= text_start && std::all_of(before.begin(), before.end(), is_blank) &&
          std::all_of(after.begin(), after.end(), [](char c) { return is_blank(c) || c == '\r'; });
      if (standalone) {
        text_end = line_start;
        next_start = line_end == src.size() ? line_end : line_end + 1;
      }
    }
    emit_text(text_start, text_end);
    text_start = next_start;

    if (comment) continue;
    switch (kind) {
      case Op::Kind::variable: t.ops_.push_back(Op{kind, 0, 0, std::string(name), 0}); break;
      case Op::Kind::section:
      case Op::Kind::inverted:
        open.push_back(Open{std::string(name), t.ops_.size(), line_of(src, tag_begin)});
        t.ops_.push_back(Op{kind, 0, 0, std::string(name), 0});
        break;
      case Op::Kind::end:
        if (open.empty()) {
          return InvalidArgument(prefix + "unexpected {{/" + std::string(name) + "}} at " +
                                 where(src, tag_begin) + " (no section is open)");
        }
        if (open.back().name != name) {
          return InvalidArgument(prefix + "unexpected {{/" + std::string(name) + "}} at " +
                                 where(src, tag_begin) + " (the open section is \"" +
                                 open.back().name + "\", opened at line " +
                                 std::to_string(open.back().line) + ")");
        }
        t.ops_.push_back(Op{kind, 0, 0, {}, 0});
        t.ops_[open.back().op].skip_to = t.ops_.size();
        open.pop_back();
        break;
      case Op::Kind::text: break;
    }
  }
  if (!open.empty()) {
    return InvalidArgument(prefix + "section \"" + open.back().name + "\" opened at line " +
                           std::to_string(open.back().line) + " is not closed");
  }
  return t;
}

std::string Template::render(const std::map<std::string, std::string>& values,
                             Escape escape) const {
  static const std::string kEmpty;
  auto lookup = [&](const std::string& name) -> const std::string& {
    const auto it = values.find(name);
    return it == values.end() ? kEmpty : it->second;
  };
  std::string out;
  out.reserve(source_.size());
  std::size_t i = 0;
  while (i < ops_.size()) {
    const Op& op = ops_[i];
    switch (op.kind) {
      case Op::Kind::text: out.append(source_, op.begin, op.length); break;
      case Op::Kind::variable:
        if (escape == Escape::html) {
          append_escaped(out, lookup(op.name));
        } else {
          out += lookup(op.name);
        }
        break;
      case Op::Kind::section:
        if (lookup(op.name).empty()) {
          i = op.skip_to;
          continue;
        }
        break;
      case Op::Kind::inverted:
        if (!lookup(op.name).empty()) {
          i = op.skip_to;
          continue;
        }
        break;
      case Op::Kind::end: break;
    }
    ++i;
  }
  return out;
}

}  // namespace boka::notify
