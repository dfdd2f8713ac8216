# runbook - a declarative runbook interpreter.
#
#   make            build build/runbook
#   make test       install missing Debian packages, build, run every test
#   make demo       a game day: install what is missing, start the SomaAgent lab,
#                   run the telemetry-worker-offline drill against it, verify,
#                   write the HTML drill report, stop the lab
#   make demo-local the self-contained release demo (runbooks/demo-local-release.yaml),
#                   for machines without the lab's servers
#   make asan       the whole suite under AddressSanitizer + UBSan (with
#                   float-cast-overflow, which GCC's "undefined" leaves out)
#   make bench      benchmarks (figures go in README.md)
#   make fuzz       build the libFuzzer targets (clang) and run each FUZZ_SECONDS
#   make schema     regenerate schema/runbook.schema.json
#   make docs       regenerate docs/reference.md (the language reference)
#   make check-formats  runbook check's SARIF through Microsoft's sarif-multitool,
#                   graph's Mermaid through mermaid-cli in Chromium (from npm; not part
#                   of make test, which validates against the schemas)
#   make format-check   clang-format --dry-run on the files that follow
#                   .clang-format (listed in .clang-format-clean)
#   make install PREFIX=/usr/local [DESTDIR=...]   /  make uninstall
#                   (the binary, the stdlib, runbook.1, the bash and zsh completions)
#   make clean      remove $(BUILD)
#
# Distribution builds pass their flags the usual way: CPPFLAGS (e.g.
# -D_FORTIFY_SOURCE=2), CFLAGS, LDFLAGS, PKG_CONFIG.

CC         ?= cc
PKG_CONFIG ?= pkg-config
PREFIX     ?= /usr/local
BUILD      ?= build
PKGS       := yaml-0.1 libcurl libpq hiredis rdkafka libpcre2-8 libcjson libcrypto libmicrohttpd

# Asked of pkg-config once, when first needed (so that `make test` on a bare
# machine installs the libraries before it asks), and its errors are shown.
PKG_CFLAGS = $(eval PKG_CFLAGS := $(shell $(PKG_CONFIG) --cflags $(PKGS)))$(PKG_CFLAGS)
PKG_LIBS   = $(eval PKG_LIBS := $(shell $(PKG_CONFIG) --libs $(PKGS)))$(PKG_LIBS)

CFLAGS  ?= -O2 -g
# CFLAGS/LDFLAGS may be set on the command line (make asan does): the
# warnings, the standard and the libraries' flags are always added.  No
# path is compiled in: the binary finds its stdlib at run time from its own
# location (bin/../share/runbook/stdlib), so any PREFIX works after `make`.
ALL_CPPFLAGS = -D_GNU_SOURCE -Iinterpreter $(PKG_CFLAGS) $(CPPFLAGS)
ALL_CFLAGS   = -std=c11 -Wall -Wextra -Wshadow -Wno-unused-parameter -Wformat=2 \
               $(CFLAGS) $(XCFLAGS)
LDLIBS       = $(PKG_LIBS) -lm $(XLDFLAGS)

# one folder per stage of the interpreter (see HACKING.md)
SRCS    := $(sort $(wildcard interpreter/*.c interpreter/*/*.c))
LIBSRCS := $(filter-out interpreter/main.c,$(SRCS))
OBJS    := $(SRCS:interpreter/%.c=$(BUILD)/obj/%.o)
LIBOBJS := $(LIBSRCS:interpreter/%.c=$(BUILD)/obj/%.o)
UNITS   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))
# fuzz targets (tests/fuzz/fuzz_<name>.c): libFuzzer binaries for `make fuzz`,
# and the same entry points with a plain main (replay.c) for `make test`
FUZZ_TARGETS := $(patsubst tests/fuzz/fuzz_%.c,%,$(filter-out tests/fuzz/fuzz_util.c,$(wildcard tests/fuzz/fuzz_*.c)))
FUZZ_SRC     := tests/fuzz/fuzz_util.c
FUZZ_LIBS    := $(BUILD)/obj/main-lib.o $(BUILD)/librunbook.a
FUZZ_DEPS    := $(FUZZ_SRC) tests/fuzz/fuzz.h $(FUZZ_LIBS)
FUZZ_DEFS    := -DFUZZ_DATA='"$(CURDIR)/tests/fuzz/data"'
REPLAYS      := $(FUZZ_TARGETS:%=$(BUILD)/replay/fuzz_%)
FUZZ_SECONDS ?= 60
FUZZ_JOBS    ?= 1

.PHONY: all deps test-deps demo-deps test all-tests unit demo demo-local asan bench schema docs format-check install uninstall clean \
        check-formats \
        fuzz fuzzers

# the manual page and the shell completions, generated from the command and
# option tables by the binary itself
GENERATED := $(BUILD)/runbook.1 $(BUILD)/runbook.bash $(BUILD)/_runbook

all: $(BUILD)/runbook $(GENERATED)

$(BUILD)/runbook.1: $(BUILD)/runbook
	$(BUILD)/runbook man > $@.tmp && mv $@.tmp $@

$(BUILD)/runbook.bash: $(BUILD)/runbook
	$(BUILD)/runbook completion bash > $@.tmp && mv $@.tmp $@

$(BUILD)/_runbook: $(BUILD)/runbook
	$(BUILD)/runbook completion zsh > $@.tmp && mv $@.tmp $@

deps:
	@tests/lib/deps.sh build

test-deps:
	@tests/lib/deps.sh test

demo-deps:
	@tests/lib/deps.sh demo

# -MMD -MP: each object depends on exactly the headers it includes
$(BUILD)/obj/%.o: interpreter/%.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -c -o $@ $<

$(BUILD)/librunbook.a: $(LIBOBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/runbook: $(BUILD)/obj/main.o $(BUILD)/librunbook.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/librunbook.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(BUILD)/librunbook.a $(LDFLAGS) $(LDLIBS)

# the real command table (main.c without its main()) for the test that
# checks every command's generated help, page and completions
$(BUILD)/unit/test_commands: tests/unit/test_commands.c $(BUILD)/obj/main-lib.o $(BUILD)/librunbook.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(BUILD)/obj/main-lib.o $(BUILD)/librunbook.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/helpers/%: tests/helpers/%.c $(BUILD)/librunbook.a
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -MMD -MP -o $@ $< $(BUILD)/librunbook.a $(LDFLAGS) $(LDLIBS)

# the command table's option helpers (main.c) without its main(), for the
# fuzz targets that call the commands
$(BUILD)/obj/main-lib.o: interpreter/main.c
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) -Dmain=runbook_main -MMD -MP -c -o $@ $<

$(BUILD)/replay/fuzz_%: tests/fuzz/fuzz_%.c tests/fuzz/replay.c $(FUZZ_DEPS)
	@mkdir -p $(@D)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(FUZZ_DEFS) -o $@ $< tests/fuzz/replay.c $(FUZZ_SRC) $(FUZZ_LIBS) $(LDFLAGS) $(LDLIBS)

# libFuzzer binaries: built by `make fuzz` with BUILD=build/fuzz (see below)
$(BUILD)/fuzz_%: tests/fuzz/fuzz_%.c $(FUZZ_DEPS)
	$(CC) $(ALL_CPPFLAGS) $(ALL_CFLAGS) $(FUZZ_DEFS) -o $@ $< $(FUZZ_SRC) $(FUZZ_LIBS) $(LDFLAGS) $(LDLIBS)

fuzzers: $(FUZZ_TARGETS:%=$(BUILD)/fuzz_%)

-include $(OBJS:.o=.d) $(UNITS:=.d) $(HELPERS:=.d) $(BUILD)/obj/main-lib.d

# `make test` must work on a bare Debian machine: install, then build.
test: test-deps
	@$(MAKE) --no-print-directory all-tests

all-tests: $(BUILD)/runbook $(UNITS) $(HELPERS) $(REPLAYS)
	@BUILD=$(BUILD) tests/run.sh

unit: $(UNITS)
	@fail=0; for u in $(UNITS); do $$u || fail=1; done; exit $$fail

demo: demo-deps
	@$(MAKE) --no-print-directory $(BUILD)/runbook $(BUILD)/helpers/lab_kafka
	@BUILD=$(BUILD) tests/lib/gameday.sh $(BUILD)/runbook

demo-local: deps
	@$(MAKE) --no-print-directory $(BUILD)/runbook
	@tests/lib/demo.sh $(BUILD)/runbook

asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build/asan \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow" \
	  LDFLAGS="-fsanitize=address,undefined,float-cast-overflow" all-tests

# Every object with clang's fuzzer instrumentation, ASan and UBSan into
# build/fuzz, then each target for FUZZ_SECONDS (FUZZ_JOBS at a time) on its
# seeds; new corpus entries stay in build/fuzz/corpus (tests/fuzz/run.sh).
fuzz:
	@tests/lib/deps.sh fuzz
	@$(MAKE) --no-print-directory BUILD=build/fuzz CC=clang \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer-no-link,address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow" \
	  LDFLAGS="-fsanitize=fuzzer,address,undefined,float-cast-overflow" fuzzers
	@tests/fuzz/run.sh -j $(FUZZ_JOBS) $(FUZZ_SECONDS) $(FUZZ_TARGETS)

bench: $(BUILD)/runbook
	@tests/lib/deps.sh bench
	@BUILD=$(BUILD) bench/run.sh

schema: $(BUILD)/runbook
	$(BUILD)/runbook schema > schema/runbook.schema.json

docs: $(BUILD)/runbook
	$(BUILD)/runbook reference > docs/reference.md
	$(BUILD)/runbook explain --format md > docs/rules.md

check-formats: $(BUILD)/runbook
	@tests/lib/deps.sh formats
	@tests/lib/check_formats.sh $(BUILD)

format-check:
	clang-format --dry-run -Werror $$(grep -v '^#' .clang-format-clean)

install: $(BUILD)/runbook $(GENERATED)
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/runbook/stdlib \
	  $(DESTDIR)$(PREFIX)/share/man/man1 $(DESTDIR)$(PREFIX)/share/bash-completion/completions \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions
	install -m 0755 $(BUILD)/runbook $(DESTDIR)$(PREFIX)/bin/runbook
	install -m 0644 $(BUILD)/runbook.1 $(DESTDIR)$(PREFIX)/share/man/man1/runbook.1
	install -m 0644 $(BUILD)/runbook.bash $(DESTDIR)$(PREFIX)/share/bash-completion/completions/runbook
	install -m 0644 $(BUILD)/_runbook $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_runbook
	if [ -d stdlib ]; then cp -R stdlib/. $(DESTDIR)$(PREFIX)/share/runbook/stdlib/; fi

uninstall:
	rm -f $(DESTDIR)$(PREFIX)/bin/runbook $(DESTDIR)$(PREFIX)/share/man/man1/runbook.1 \
	  $(DESTDIR)$(PREFIX)/share/bash-completion/completions/runbook \
	  $(DESTDIR)$(PREFIX)/share/zsh/site-functions/_runbook
	rm -rf $(DESTDIR)$(PREFIX)/share/runbook

clean:
	rm -rf $(BUILD)
