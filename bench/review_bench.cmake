# The review server benchmark's seeder (bench/review_bench.sh drives it).
add_executable(review_bench_seed ${CMAKE_CURRENT_LIST_DIR}/review_bench_seed.cc)
target_link_libraries(review_bench_seed PRIVATE aasr_store aasr_moderation_policy aasr_options)
