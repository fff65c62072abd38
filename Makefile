# The two commands a new user needs: `make check` and (with the respawn issue) `make demo`.
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)

.PHONY: all build check check-asan bench install clean

all: build

build:
	scripts/setup --build-dir $(BUILD)

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer.
check-asan:
	scripts/setup --build-dir $(BUILD)-asan --sanitize
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS)

# Benchmarks (never part of `make check`): the simulator at scale, AwsCloud's calls on moto.
bench: build
	$(BUILD)/bench/bench_sim_scale
	$(BUILD)/bench/bench_moto_observe

install: build
	install -D -m 0755 $(BUILD)/src/cli/rotor $(DESTDIR)$(PREFIX)/bin/rotor
	install -D -m 0644 docs/rotor.1 $(DESTDIR)$(PREFIX)/share/man/man1/rotor.1

clean:
	rm -rf $(BUILD) $(BUILD)-asan
