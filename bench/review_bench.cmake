# The review server benchmark's seeder (bench/review_bench.sh drives it).
add_executable(review_bench_seed ${CMAKE_CURRENT_LIST_DIR}/review_bench_seed.cc)
target_link_libraries(review_bench_seed PRIVATE aasr_store aasr_moderation_policy aasr_options)
# The same API on cpprestsdk's listener, as served before the Beast transport:
# review_bench.sh measures both in one run.
find_package(cpprestsdk REQUIRED)
add_executable(review_bench_cpprest ${CMAKE_CURRENT_LIST_DIR}/review_bench_cpprest.cc)
target_link_libraries(review_bench_cpprest PRIVATE aasr_review aasr_rules aasr_store cpprestsdk::cpprest spdlog::spdlog
  Threads::Threads)
