# Kassa — convenience wrapper around meson. See README.md.
#
#   make run     install what is missing, build, start Kassa (training mode)
#   make check   install what is missing (test tools too), build, run every test suite
#   make bench   build, then time Kassa against its baselines (bench/, numbers in README)
#   make soak    10 000 sales with random faults and kills (docs/reliability.md)
#   make fuzz    a long libFuzzer run of every target (docs/fuzzing.md)
#
# Copyright 2026 Kassa developers
# SPDX-License-Identifier: GPL-3.0-or-later

BUILDDIR ?= _build

.PHONY: all deps deps-test build run check bench soak fuzz clean

all: build

deps:
	./build-aux/install-deps.sh

deps-test:
	./build-aux/install-deps.sh --test

$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR)

build: deps $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR)

# The schema and the translations are built in the build tree, not installed: point
# GSettings and Kassa (KASSA_LOCALEDIR, docs/translation.md) at them.
run: build
	GSETTINGS_SCHEMA_DIR=$(BUILDDIR)/data KASSA_LOCALEDIR=$(CURDIR)/$(BUILDDIR)/po ./$(BUILDDIR)/src/kassa

check: deps-test
	./build-aux/run-tests.sh

bench: deps-test build
	./bench/run-bench.sh $(BUILDDIR)

soak: deps-test build
	./build-aux/soak.sh $(BUILDDIR)

fuzz: deps-test
	./build-aux/fuzz.sh

clean:
	rm -rf $(BUILDDIR) $(BUILDDIR)-asan $(BUILDDIR)-fuzz $(BUILDDIR)-bench
