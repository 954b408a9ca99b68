// A real SMTP server for tests: tests/support/smtp_sink.py (aiosmtpd, run by Debian's
// /usr/bin/python3) on a free port of 127.0.0.1, and a scratch directory. Used by the
// delivery layer's mail test and the engine's mail test. The including target defines
// BOKA_SYSTEM_PYTHON and BOKA_SMTP_SINK (tests/CMakeLists.txt).
#pragma once

#include <fcntl.h>
#include <poll.h>
#include <signal.h>
#include <spawn.h>
#include <sys/wait.h>
#include <unistd.h>

#include <catch2/catch.hpp>
#include <nlohmann/json.hpp>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

extern char** environ;

namespace boka::test {

namespace fs = std::filesystem;
using sink_json = nlohmann::json;

// A scratch directory, removed with its contents at the end of the test.
class TempDir {
 public:
  TempDir() {
    std::string pattern = (fs::temp_directory_path() / "boka-mail-XXXXXX").string();
    REQUIRE(::mkdtemp(pattern.data()) != nullptr);
    path_ = pattern;
  }
  ~TempDir() {
    std::error_code ignored;
    fs::remove_all(path_, ignored);
  }
  const fs::path& path() const { return path_; }

 private:
  fs::path path_;
};

// tests/support/smtp_sink.py on a free port of 127.0.0.1, writing what it accepts into a
// directory of its own. It stops when its standard input closes (the destructor).
class SmtpSink {
 public:
  explicit SmtpSink(std::vector<std::string> options = {}) {
    int in[2];
    int out[2];
    REQUIRE(::pipe2(in, O_CLOEXEC) == 0);
    REQUIRE(::pipe2(out, O_CLOEXEC) == 0);
    posix_spawn_file_actions_t actions;
    posix_spawn_file_actions_init(&actions);
    posix_spawn_file_actions_adddup2(&actions, in[0], 0);
    posix_spawn_file_actions_adddup2(&actions, out[1], 1);
    std::vector<std::string> args = {BOKA_SYSTEM_PYTHON, BOKA_SMTP_SINK, dir_.path().string()};
    args.insert(args.end(), options.begin(), options.end());
    std::vector<char*> argv;
    for (std::string& arg : args) argv.push_back(arg.data());
    argv.push_back(nullptr);
    const int rc = posix_spawn(&pid_, argv[0], &actions, nullptr, argv.data(), environ);
    posix_spawn_file_actions_destroy(&actions);
    ::close(in[0]);
    ::close(out[1]);
    stdin_ = in[1];
    REQUIRE(rc == 0);

    // "READY <port>\n" within 15 s.
    std::string line;
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(15);
    while (line.find('\n') == std::string::npos && std::chrono::steady_clock::now() < deadline) {
      pollfd p{out[0], POLLIN, 0};
      if (::poll(&p, 1, 100) <= 0) continue;
      char buffer[64];
      const ssize_t n = ::read(out[0], buffer, sizeof buffer);
      if (n <= 0) break;
      line.append(buffer, static_cast<std::size_t>(n));
    }
    ::close(out[0]);
    INFO("smtp_sink.py said: " << line);
    REQUIRE(line.rfind("READY ", 0) == 0);
    port_ = std::stoi(line.substr(6));
  }
  ~SmtpSink() {
    ::close(stdin_);
    int status = 0;
    for (int i = 0; i < 100; ++i) {
      if (::waitpid(pid_, &status, WNOHANG) == pid_) return;
      std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    ::kill(pid_, SIGKILL);  // our own child, stuck
    ::waitpid(pid_, &status, 0);
  }

  std::string url(const std::string& scheme = "smtp") const {
    return scheme + "://127.0.0.1:" + std::to_string(port_);
  }
  // The n-th accepted message (1-based): its record and its raw text.
  sink_json record(int n) const { return sink_json::parse(read(stem(n) + ".json")); }
  std::string raw(int n) const { return read(stem(n) + ".eml"); }
  int accepted() const {
    int n = 0;
    while (fs::exists(stem(n + 1) + ".json")) ++n;
    return n;
  }

 private:
  std::string stem(int n) const { return (dir_.path() / ("msg-" + std::to_string(n))).string(); }
  static std::string read(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    REQUIRE(in.good());
    std::ostringstream text;
    text << in.rdbuf();
    return text.str();
  }

  TempDir dir_;
  pid_t pid_ = -1;
  int stdin_ = -1;
  int port_ = 0;
};

}  // namespace boka::test
