# git-kitty: the two commands a new machine needs are `make demo` and `make test`.
PREFIX ?= /usr/local
SWIFT ?= swift
SWIFT_BUILD_FLAGS ?=
RELEASE_FLAGS ?= -c release -Xswiftc -static-stdlib
BIN_DEBUG = .build/debug/git-kitty
BIN_RELEASE = .build/release/git-kitty
# Where `make install` puts the manual and the shell completions (under $(DESTDIR)$(PREFIX)).
MANDIR ?= $(PREFIX)/share/man
BASH_COMPLETIONS ?= $(PREFIX)/share/bash-completion/completions
ZSH_COMPLETIONS ?= $(PREFIX)/share/zsh/site-functions
FISH_COMPLETIONS ?= $(PREFIX)/share/fish/vendor_completions.d
# `make install INSTALL_STRIP=` keeps the symbols (install -s needs binutils' strip).
INSTALL_STRIP ?= -s
MAN_PAGE = .build/plugins/GenerateManual/outputs/git-kitty/git-kitty.1
COMPLETIONS = .build/completions
SK_VENV ?= $(CURDIR)/.venv-spec-kitty

.PHONY: deps build release test lint demo man completions install uninstall bench conformance clean embed-hooks \
  test-agents test-ui embed-web test-slurm

# Installs libgit2's headers and pkg-config, git and bubblewrap only when they are missing.
deps:
	@if ! pkg-config --exists libgit2 2>/dev/null; then \
	  echo "make deps: installing libgit2-dev and pkg-config"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq libgit2-dev pkg-config >/dev/null; \
	fi
	@command -v git >/dev/null || { SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; $$SUDO apt-get install -y -qq git >/dev/null; }
	@# bubblewrap confines orchestrated agents to their lane (docs/sandbox.md); without it they run unconfined.
	@command -v bwrap >/dev/null || { echo "make deps: installing bubblewrap"; SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  { $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq bubblewrap >/dev/null; } || echo "make deps: bubblewrap could not be installed" >&2; }

build: deps
	$(SWIFT) build $(SWIFT_BUILD_FLAGS)

release: deps
	$(SWIFT) build $(RELEASE_FLAGS)

test: build
	$(SWIFT) test $(SWIFT_BUILD_FLAGS) --disable-xctest

# The real Claude Code and Codex CLIs (pinned, from PyPI wheels, into a cache outside the repository) drive
# missions end to end against a scripted model server on 127.0.0.1. Where the CLIs cannot be had, the target
# says so and skips -- except in CI (CI=true), where that is a failure. Every scenario runs twice: without a
# sandbox and inside bubblewrap (about 70 s each here).
test-agents: build
	@if ! bash scripts/install-agents.sh >/dev/null; then \
	  if [ -n "$$CI" ]; then echo "make test-agents: the agent CLIs could not be installed (see above)" >&2; exit 1; fi; \
	  echo "make test-agents: SKIPPED: the agent CLIs could not be installed (see above)"; exit 0; \
	fi
	@# Both ways an agent can run: unconfined, and inside git-kitty's bubblewrap sandbox (docs/sandbox.md).
	python3 Tests/Agents/test_agents.py --bin $(BIN_DEBUG) --sandbox none
	@if bwrap --ro-bind / / --dev /dev --proc /proc --unshare-pid true 2>/dev/null; then \
	  python3 Tests/Agents/test_agents.py --bin $(BIN_DEBUG) --sandbox bwrap; \
	elif [ -n "$$CI" ]; then echo "make test-agents: bubblewrap cannot make a sandbox here (git kitty doctor)" >&2; exit 1; \
	else echo "make test-agents: sandboxed scenarios SKIPPED: bubblewrap cannot make a sandbox here"; fi

# git kitty orchestrate --executor slurm on a real Slurm cluster (a controller and two slurmd nodes in network
# namespaces on this machine; installs slurm-wlm and munge when missing, needs root). About 1 minute.
test-slurm: build
	bash scripts/test-slurm.sh

# git kitty dashboard in headless Chromium (Selenium in a virtualenv outside the repository); installs both.
test-ui: build
	bash scripts/test-ui.sh

# After editing Sources/KittyDashboard/Web/: regenerate the copies the binary embeds.
embed-web:
	bash scripts/embed-web.sh

# A throw-away repository in demo/ driven end to end with the built-in script agent.
demo: build
	bash scripts/demo.sh

# After editing hooks/: regenerate the copies the binary embeds.
embed-hooks:
	bash scripts/embed-hooks.sh

# swift-format ships with the toolchain; the configuration is .swift-format at the root.
lint:
	$(SWIFT) format lint --strict -r Sources Tests Package.swift

# The manual, from the commands' own help (swift-argument-parser's generate-manual plugin). The plugin reads the
# debug build: a release build from the plugin would lack -static-stdlib and replace the one `release` made.
man: deps
	$(SWIFT) package plugin generate-manual --configuration debug \
	  --date "$$(git log -1 --format=%cs 2>/dev/null || date +%F)"

completions: release
	mkdir -p $(COMPLETIONS)
	{ $(BIN_RELEASE) --generate-completion-script bash && cat scripts/git-subcommand-completion.bash; } \
	  > $(COMPLETIONS)/git-kitty.bash
	$(BIN_RELEASE) --generate-completion-script zsh > $(COMPLETIONS)/_git-kitty
	$(BIN_RELEASE) --generate-completion-script fish > $(COMPLETIONS)/git-kitty.fish

# `git kitty --help` is answered by git with `man git-kitty`, hence the manual in $(MANDIR)/man1.
install: release man completions
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(MANDIR)/man1 $(DESTDIR)$(BASH_COMPLETIONS) \
	  $(DESTDIR)$(ZSH_COMPLETIONS) $(DESTDIR)$(FISH_COMPLETIONS)
	install -m 0755 $(INSTALL_STRIP) $(BIN_RELEASE) $(DESTDIR)$(PREFIX)/bin/git-kitty
	install -m 0644 $(MAN_PAGE) $(DESTDIR)$(MANDIR)/man1/git-kitty.1
	install -m 0644 $(COMPLETIONS)/git-kitty.bash $(DESTDIR)$(BASH_COMPLETIONS)/git-kitty
	install -m 0644 $(COMPLETIONS)/_git-kitty $(DESTDIR)$(ZSH_COMPLETIONS)/_git-kitty
	install -m 0644 $(COMPLETIONS)/git-kitty.fish $(DESTDIR)$(FISH_COMPLETIONS)/git-kitty.fish

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/git-kitty $(DESTDIR)$(MANDIR)/man1/git-kitty.1 \
	  $(DESTDIR)$(BASH_COMPLETIONS)/git-kitty $(DESTDIR)$(ZSH_COMPLETIONS)/_git-kitty \
	  $(DESTDIR)$(FISH_COMPLETIONS)/git-kitty.fish

# Benchmarks print ratios against a baseline measured in the same run.
bench: release
	bash Benchmarks/run.sh $(BIN_RELEASE)

# Both directions against the real spec-kitty 3.2.7 on fresh missions (installs it into $(SK_VENV) when missing).
conformance: build
	@if [ ! -x "$(SK_VENV)/bin/spec-kitty" ] && ! python3 -c 'import ensurepip, venv' 2>/dev/null; then \
	  echo "make conformance: installing python3 and python3-venv for spec-kitty's virtualenv"; \
	  SUDO=""; [ "$$(id -u)" = 0 ] || SUDO=sudo; \
	  $$SUDO apt-get update -qq && $$SUDO apt-get install -y -qq python3 python3-venv >/dev/null; \
	fi
	SK_VENV="$(SK_VENV)" bash Tests/Conformance/conformance.sh

clean:
	rm -rf .build
