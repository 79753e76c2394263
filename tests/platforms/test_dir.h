// A fresh temporary directory per test, removed afterwards.
#pragma once

#include <unistd.h>

#include <filesystem>
#include <string>

namespace aasr::testing {

class TestDir {
 public:
  explicit TestDir(const std::string& name) {
    path_ = (std::filesystem::temp_directory_path() /
             ("aasr-platforms-" + name + "-" + std::to_string(::getpid())))
                .string();
    std::filesystem::remove_all(path_);
    std::filesystem::create_directories(path_);
  }
  ~TestDir() { std::filesystem::remove_all(path_); }
  const std::string& path() const { return path_; }

 private:
  std::string path_;
};

}  // namespace aasr::testing
