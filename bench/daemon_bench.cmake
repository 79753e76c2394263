# The daemon under a 10,000-comment burst and idle (bench/daemon_bench.cc);
# `make bench` runs it. It spawns the real aasr-bot through the daemon tests'
# harness (tests/daemon/daemon_process.cc, compiled in here so the bench does
# not need the tests configured). Figures, not tests.
add_executable(daemon_bench ${CMAKE_CURRENT_LIST_DIR}/daemon_bench.cc ${CMAKE_CURRENT_LIST_DIR}/rules_bench_corpus.cc
               ${CMAKE_SOURCE_DIR}/tests/daemon/daemon_process.cc)
target_include_directories(daemon_bench PRIVATE ${CMAKE_SOURCE_DIR})
target_compile_definitions(daemon_bench PRIVATE AASR_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                           AASR_BOT_EXE="$<TARGET_FILE:aasr-bot>")
target_link_libraries(daemon_bench PRIVATE aasr_rules aasr_store aasr_store_ingest aasr_net aasr_options
                      nlohmann_json::nlohmann_json yaml-cpp)
add_dependencies(daemon_bench aasr-bot)
