# The two commands a newcomer needs (see README.md):
#   make run    install dependencies, build, run the bot on its embedded default
#   make test   install dependencies, build, run every test through ctest
#   make deb    build the Debian package into build/packages/ (README.md "Install on a server")
#   make install  install to /usr/bin, /usr/share/aasr-bot, /etc/aasr-bot (as root; prefer the .deb)
BUILD ?= build
JOBS  ?= $(shell nproc)

.PHONY: all deps build run test bench clean deb install

all: build

deps:
	@bash scripts/install-deps.sh

$(BUILD)/CMakeCache.txt:
	cmake -S . -B $(BUILD) -DCMAKE_BUILD_TYPE=Release

build: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS)

run: build
	@bash scripts/run-default.sh $(BUILD)

test: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

bench: build
	$(BUILD)/bench/rules_bench
	$(BUILD)/bench/outreach_bench
	bash bench/review_bench.sh $(BUILD)
	$(BUILD)/bench/daemon_bench

deb: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target deb

install: deps $(BUILD)/CMakeCache.txt
	cmake --build $(BUILD) -j $(JOBS) --target aasr-bot
	cmake --install $(BUILD)

clean:
	rm -rf $(BUILD)
