# Kassa — convenience wrapper around meson. See README.md.
#
#   make run     install what is missing, build, start Kassa (training mode)
#   make check   install what is missing (test tools too), build, run every test suite

BUILDDIR ?= _build

.PHONY: all deps deps-test build run check clean

all: build

deps:
	./build-aux/install-deps.sh

deps-test:
	./build-aux/install-deps.sh --test

$(BUILDDIR)/build.ninja:
	meson setup $(BUILDDIR)

build: deps $(BUILDDIR)/build.ninja
	meson compile -C $(BUILDDIR)

# The schema is compiled in the build tree, not installed: point GSettings at it.
run: build
	GSETTINGS_SCHEMA_DIR=$(BUILDDIR)/data ./$(BUILDDIR)/src/kassa

check: deps-test
	./build-aux/run-tests.sh

clean:
	rm -rf $(BUILDDIR) $(BUILDDIR)-asan
