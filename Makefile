# git-kitty: the two commands a new machine needs are `make demo` and `make test`.
PREFIX ?= /usr/local
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
RELEASE_FLAGS ?= -c release -Xswiftc -static-stdlib
BIN_DEBUG = .build/debug/git-kitty
BIN_RELEASE = .build/release/git-kitty
SK_VENV ?= $(CURDIR)/.venv-spec-kitty

.PHONY: deps build release test lint demo install uninstall bench conformance clean

# Installs libgit2's headers and pkg-config only when they are missing.
deps:
	@if ! pkg-config --exists libgit2 2>/dev/null; then \
	  echo "make deps: installing libgit2-dev and pkg-config"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libgit2-dev pkg-config >/dev/null; \
	fi
	@command -v git >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get install -y -qq git >/dev/null; }

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

test: build
	$(SWIFT) test $(SWIFT_BUILD_FLAGS) --disable-xctest

# A throw-away repository in demo/ driven end to end with the built-in script agent.
demo: build
	bash scripts/demo.sh

# swift-format ships with the toolchain; the configuration is .swift-format at the root.
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

install: release
	install -d $(DESTDIR)$(PREFIX)/bin
	install -m 0755 $(BIN_RELEASE) $(DESTDIR)$(PREFIX)/bin/git-kitty

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/git-kitty

# Benchmarks print ratios against a baseline measured in the same run.
bench: release
	bash Benchmarks/run.sh $(BIN_RELEASE)

# Both directions against the real spec-kitty 3.2.7 on fresh missions (installs it into $(SK_VENV) when missing).
conformance: build
	SK_VENV="$(SK_VENV)" bash Tests/Conformance/conformance.sh

clean:
	rm -rf .build
