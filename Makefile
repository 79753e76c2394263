# The two commands a newcomer needs (see README.md):
#   make run    install dependencies, build, run the bot on its embedded default
#   make test   install dependencies, build, run every test through ctest
# And two for finding what tests miss (issue 17):
#   make sanitize  the whole ctest suite built with GCC ASan + UBSan, in build-asan/
#   make fuzz      every libFuzzer target of fuzz/ for FUZZ_SECONDS (60) each, in build-fuzz/
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all deps build run test bench clean sanitize fuzz

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash scripts/run-default.sh $(BUILD)

# The Debian package into $(BUILD)/packages/, and the same files installed
# straight onto this machine (as root; prefer the package). See README.md
# "Install on a server".
.PHONY: deb install
deb: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target deb

install: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target aasr-bot
	cmake --install $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# Issue 10's baseline: the rules as they were at 5725b3a, screened by
# rules_bench next to the current ones (without git, the current ones only).
RULES_BASELINE_COMMIT ?= 5725b3a

bench: build
	rm -rf $(BUILD)/bench/baseline-rules && mkdir -p $(BUILD)/bench/baseline-rules
	if git archive $(RULES_BASELINE_COMMIT) rules | tar -x -C $(BUILD)/bench/baseline-rules; then \
	  $(BUILD)/bench/rules_bench --baseline $(BUILD)/bench/baseline-rules/rules; \
	else $(BUILD)/bench/rules_bench; fi
	$(BUILD)/bench/outreach_bench
	bash bench/review_bench.sh $(BUILD)
	bash bench/live_bench.sh $(BUILD)
	bash bench/lifecycle_bench.sh $(BUILD)
	$(BUILD)/bench/daemon_bench
	$(BUILD)/bench/alerts_bench

# Sanitizers: any finding fails its test (-fno-sanitize-recover, halt_on_error).
# Heavy, so niced: the machine is shared. scripts/lsan.supp holds only
# third-party libraries' own reports, each with its reason.
ASAN_BUILD ?= build-asan
SANITIZE_FLAGS = -O1 -g1 -fsanitize=address,undefined -fno-sanitize-recover=undefined -fno-omit-frame-pointer
SANITIZE_ENV = ASAN_OPTIONS=detect_leaks=1 \
	UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
	LSAN_OPTIONS=suppressions=$(CURDIR)/scripts/lsan.supp:print_suppressions=0
# ctest -E: tests left out of the sanitizer suite (empty: none).
SANITIZE_EXCLUDE ?=

$(ASAN_BUILD)/CMakeCache.txt:
	cmake -S . -B $(ASAN_BUILD) -DCMAKE_BUILD_TYPE=Debug "-DCMAKE_CXX_FLAGS_DEBUG=" -DAASR_BUILD_BENCH=OFF \
	  "-DCMAKE_CXX_FLAGS=$(SANITIZE_FLAGS)" \
	  -DCMAKE_EXE_LINKER_FLAGS=-fsanitize=address,undefined -DCMAKE_SHARED_LINKER_FLAGS=-fsanitize=address,undefined

sanitize: deps $(ASAN_BUILD)/CMakeCache.txt
	nice -n 10 cmake --build $(ASAN_BUILD) -j $(JOBS)
	cd $(ASAN_BUILD) && $(SANITIZE_ENV) nice -n 10 ctest --output-on-failure -j $(JOBS) \
	  $(if $(SANITIZE_EXCLUDE),-E '$(SANITIZE_EXCLUDE)')

# Fuzzing: clang-14 with -fsanitize=fuzzer,address,undefined (AASR_FUZZ).
FUZZ_BUILD ?= build-fuzz
FUZZ_SECONDS ?= 60
# Targets run at once (libFuzzer's -max_total_time is wall time).
FUZZ_JOBS ?= 1

$(FUZZ_BUILD)/CMakeCache.txt:
	cmake -S . -B $(FUZZ_BUILD) -DCMAKE_CXX_COMPILER=clang++-14 -DCMAKE_BUILD_TYPE=Debug -DCMAKE_CXX_FLAGS=-O1 \
	  -DAASR_FUZZ=ON -DAASR_BUILD_TESTS=OFF -DAASR_BUILD_BENCH=OFF

fuzz: deps $(FUZZ_BUILD)/CMakeCache.txt
	nice -n 19 cmake --build $(FUZZ_BUILD) -j $(JOBS) --target aasr_fuzzers
	FUZZ_SECONDS=$(FUZZ_SECONDS) FUZZ_JOBS=$(FUZZ_JOBS) nice -n 19 bash scripts/fuzz.sh $(FUZZ_BUILD)

clean:
	rm -rf $(BUILD) $(ASAN_BUILD) $(FUZZ_BUILD)
