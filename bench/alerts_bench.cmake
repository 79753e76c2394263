# Inbox drop to alert received, SMTP and webhook (bench/alerts_bench.cc);
# `make bench` runs it. Figures, not tests.
add_executable(alerts_bench ${CMAKE_CURRENT_LIST_DIR}/alerts_bench.cc ${CMAKE_SOURCE_DIR}/tests/daemon/daemon_process.cc
               ${CMAKE_SOURCE_DIR}/tests/alerts/fake_chat.cc ${CMAKE_SOURCE_DIR}/tests/alerts/smtp_sink.cc
               ${CMAKE_SOURCE_DIR}/tests/net/loopback_server.cc)
target_include_directories(alerts_bench PRIVATE ${CMAKE_SOURCE_DIR})
target_compile_definitions(alerts_bench PRIVATE AASR_SOURCE_DIR="${CMAKE_SOURCE_DIR}"
                           AASR_BOT_EXE="$<TARGET_FILE:aasr-bot>")
target_link_libraries(alerts_bench PRIVATE aasr_alerts aasr_net aasr_options nlohmann_json::nlohmann_json Threads::Threads)
add_dependencies(alerts_bench aasr-bot)
