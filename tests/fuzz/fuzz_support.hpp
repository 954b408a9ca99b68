// What every fuzz target shares: the entry points libFuzzer calls, and FUZZ_CHECK, which
// turns a broken property into a crash libFuzzer records (with the input that caused it).
//
// A target defines LLVMFuzzerTestOneInput (and, if it needs one-time setup,
// LLVMFuzzerInitialize). Built with clang's -fsanitize=fuzzer it is a libFuzzer binary
// (scripts/fuzz.sh); built by any other compiler it links replay_main.cpp instead and runs
// the committed corpus once, as a ctest test (tests/fuzz/CMakeLists.txt).
#pragma once

#include <cstddef>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <limits>
#include <string>
#include <string_view>

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size);
extern "C" int LLVMFuzzerInitialize(int* argc, char*** argv);

namespace boka::fuzz {

// Prints what broke and aborts: a property failure is a finding, like a crash. Never
// prints the input itself (libFuzzer saves it to a file, and inputs may be binary).
[[noreturn]] inline void fail(const char* file, int line, const char* what,
                              const std::string& detail) {
  std::fprintf(stderr, "%s:%d: FUZZ_CHECK(%s) failed%s%s\n", file, line, what,
               detail.empty() ? "" : ": ", detail.c_str());
  std::abort();
}

inline std::string_view as_text(const std::uint8_t* data, std::size_t size) {
  return {reinterpret_cast<const char*>(data), size};
}

// Whether `message` quotes `secret`. Only a secret of 8 bytes or more holding one of
// "#~^|{}!" counts: the fuzzer is good at building inputs that are pieces of a message's
// fixed text ("must be 32 b", "password=***"), and those characters appear in no message
// of boka's, while a message that echoes its input echoes them as readily as any other.
inline bool quotes_secret(std::string_view message, std::string_view secret) {
  if (secret.size() < 8 || secret.find_first_of("#~^|{}!") == std::string_view::npos) {
    return false;
  }
  return message.find(secret) != std::string_view::npos;
}

// Reads choices from the fuzzer's bytes, front to back; past the end every choice is the
// lowest value, so any input is a complete program. (clang's FuzzedDataProvider does the
// same job, but only clang ships it, and the targets also build with gcc for replay.)
class Choices {
 public:
  Choices(const std::uint8_t* data, std::size_t size) : data_(data), size_(size) {}

  std::size_t remaining_bytes() const { return size_ - pos_; }

  // A value in [lo, hi], from as few bytes as the range needs.
  template <typename T = int>
  T ConsumeIntegralInRange(T lo, T hi) {
    const auto span = static_cast<std::uint64_t>(hi) - static_cast<std::uint64_t>(lo);
    std::uint64_t value = 0;
    for (std::uint64_t covered = 0; covered < span && pos_ < size_; covered = (covered << 8) | 0xff) {
      value = (value << 8) | data_[pos_++];
    }
    return static_cast<T>(static_cast<std::uint64_t>(lo) + (span == UINT64_MAX ? value : value % (span + 1)));
  }
  template <typename T>
  T ConsumeIntegral() {
    return ConsumeIntegralInRange<T>(std::numeric_limits<T>::min(), std::numeric_limits<T>::max());
  }
  bool ConsumeBool() { return (ConsumeIntegralInRange<int>(0, 255) & 1) != 0; }

 private:
  const std::uint8_t* data_;
  std::size_t size_;
  std::size_t pos_ = 0;
};

}  // namespace boka::fuzz

#define FUZZ_CHECK(cond, detail)                                              \
  do {                                                                        \
    if (!(cond)) ::boka::fuzz::fail(__FILE__, __LINE__, #cond, (detail));     \
  } while (0)
