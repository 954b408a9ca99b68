// boka/principal.hpp: who acts. Every engine operation takes a Principal.
//
// Today there is one kind: the system principal, for a trusted embedder that does its own
// authentication. It may act in every tenant. Users (with roles) and API keys (with scopes)
// arrive with authentication and will be checked by the same engine calls.
#pragma once

#include <string>

namespace boka {

class Principal {
 public:
  enum class Kind : int { system = 0 };

  // The trusted embedder. Its audit actor name is "system".
  static Principal system() { return Principal(Kind::system, "system"); }

  Kind kind() const noexcept { return kind_; }
  const std::string& name() const noexcept { return name_; }

 private:
  Principal(Kind kind, std::string name) : kind_(kind), name_(std::move(name)) {}
  Kind kind_;
  std::string name_;
};

}  // namespace boka
