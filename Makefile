# The two commands of the README, and their parts.
#   make run   install what is missing, build, start the server on the embedded default
#   make test  install what is missing, check the code layout, build with sanitizers, run every test
#              (the fuzzers built beside them) and the fuzzers briefly

JOBS ?= 2
# Tests at once. Four (with those that compute marked PROCESSORS 2) took
# the suite from ~930 to 808 s, but made a test of deadlines miss its
# window under the load: two, as many as the cores.
TEST_JOBS ?= 2
RELEASE_DIR ?= build-release
TEST_DIR ?= build-test
FUZZ_DIR ?= build-fuzz
FUZZ_SECONDS ?= 10
DATA ?= data

# The random multi-session IMAP stress test (tests/imap/test_stress.py) runs
# this long within `make test`.
export ESTAFETA_STRESS_SECONDS ?= 60

export CCACHE_SLOPPINESS := pch_defines,time_macros,include_file_mtime,include_file_ctime

.PHONY: run test setup build build-test unit fuzz format format-check clean

setup:
	@scripts/setup.sh

build: setup
	@cmake -G Ninja -S . -B $(RELEASE_DIR) -DCMAKE_BUILD_TYPE=Release -DESTAFETA_TESTS=OFF >/dev/null
	@ninja -C $(RELEASE_DIR) -j$(JOBS) estafeta

run: build
	./$(RELEASE_DIR)/estafeta quickstart --dir $(DATA)

build-test: setup
	@cmake -G Ninja -S . -B $(TEST_DIR) -DCMAKE_BUILD_TYPE=Debug -DESTAFETA_SANITIZE=ON >/dev/null
	@ninja -C $(TEST_DIR) -j$(JOBS)

unit: build-test
	ctest --test-dir $(TEST_DIR) --output-on-failure -j$(TEST_JOBS)

fuzz: setup
	@scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

format: setup
	@scripts/format.sh

format-check: setup
	@scripts/format.sh --check

# The suite waits on its servers and clients for much of its time: the fuzz
# build (clang) runs beside it at the lowest priority, on the cores the
# tests leave idle; the fuzzers run once both are done.
test: format-check build-test
	@nice -n 19 env FUZZ_ONLY=build scripts/fuzz.sh $(FUZZ_DIR) >$(TEST_DIR)/fuzz-build.log 2>&1 & fuzzers=$$!; \
	ctest --test-dir $(TEST_DIR) --output-on-failure -j$(TEST_JOBS); tests=$$?; \
	wait $$fuzzers; built=$$?; \
	[ $$built -eq 0 ] || { tail -50 $(TEST_DIR)/fuzz-build.log; echo "fuzz: the build failed"; }; \
	[ $$tests -eq 0 ] && [ $$built -eq 0 ] && FUZZ_ONLY=run scripts/fuzz.sh $(FUZZ_DIR) $(FUZZ_SECONDS)

clean:
	rm -rf $(RELEASE_DIR) $(TEST_DIR) $(FUZZ_DIR)
