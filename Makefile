# The two commands a newcomer needs (see README.md):
#   make run    install dependencies, build, run the bot on its embedded default
#   make test   install dependencies, build, run every test through ctest
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all deps build run test bench clean

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

bench: build
	$(BUILD)/bench/rules_bench
	$(BUILD)/bench/outreach_bench
	bash bench/review_bench.sh $(BUILD)
	$(BUILD)/bench/daemon_bench

clean:
	rm -rf $(BUILD)
