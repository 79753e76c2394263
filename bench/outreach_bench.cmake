# Included from the top-level CMakeLists.txt (or bench/CMakeLists.txt).
add_executable(outreach_bench ${CMAKE_SOURCE_DIR}/bench/outreach_bench.cc)
target_link_libraries(outreach_bench PRIVATE aasr_outreach)
target_compile_definitions(outreach_bench PRIVATE AASR_SOURCE_DIR="${CMAKE_SOURCE_DIR}")
set_target_properties(outreach_bench PROPERTIES RUNTIME_OUTPUT_DIRECTORY ${CMAKE_BINARY_DIR}/bench)
