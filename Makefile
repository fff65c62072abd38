# The two commands a new user needs: `make demo` and `make check`.
BUILD ?= build
PREFIX ?= /usr/local
JOBS ?= $(shell nproc)

.PHONY: all build demo check check-asan bench install clean

all: build

build:
	scripts/setup --build-dir $(BUILD)

# A full rolling respawn of a 6-instance web stack on the built-in simulated cloud.
demo: build
	$(BUILD)/src/cli/rotor simulate examples/web-stack.yaml -- respawn web-1 --yes

check: build
	cd $(BUILD) && ctest --output-on-failure -j $(JOBS)

# The same tests under AddressSanitizer and UndefinedBehaviorSanitizer, but for the Python
# end-to-end suites (e2e_*): they drive the same C++ paths the unit, contract and crash suites
# run here under the sanitizers, and take a third of the time; `make check` runs them.
check-asan:
	scripts/setup --build-dir $(BUILD)-asan --sanitize
	cd $(BUILD)-asan && ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1 \
	  ctest --output-on-failure -j $(JOBS) -E '^e2e_'


# Benchmarks (never part of `make check`): the simulator at scale, AwsCloud's calls on moto.
bench: build
	$(BUILD)/bench/bench_sim_scale
	$(BUILD)/bench/bench_makespan
	$(BUILD)/bench/bench_moto_observe
	$(BUILD)/bench/bench_moto_respawn
	$(BUILD)/bench/bench_journal
	$(BUILD)/bench/bench_monthly
	$(BUILD)/bench/bench_replace_outage
	$(BUILD)/bench/bench_nightly_backup

install: build
	install -D -m 0755 $(BUILD)/src/cli/rotor $(DESTDIR)$(PREFIX)/bin/rotor
	install -D -m 0644 docs/rotor.1 $(DESTDIR)$(PREFIX)/share/man/man1/rotor.1

clean:
	rm -rf $(BUILD) $(BUILD)-asan
