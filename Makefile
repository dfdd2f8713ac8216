# runbook - a declarative runbook interpreter.
#
#   make            build build/runbook
#   make test       install missing Debian packages, build, run every test
#   make demo       install missing packages, run runbooks/demo.yaml locally
#   make asan       the whole suite under AddressSanitizer + UBSan (with
#                   float-cast-overflow, which GCC's "undefined" leaves out)
#   make bench      benchmarks (figures go in README.md)
#   make install PREFIX=/usr/local

CC      ?= cc
PREFIX  ?= /usr/local
BUILD   ?= build
PKGS    := yaml-0.1 libcurl libpq hiredis rdkafka libpcre2-8 libcjson libcrypto

PKG_CFLAGS := $(shell pkg-config --cflags $(PKGS) 2>/dev/null)
PKG_LIBS   := $(shell pkg-config --libs $(PKGS) 2>/dev/null)

CFLAGS  ?= -O2 -g
# CFLAGS/LDFLAGS may be set on the command line (make asan does): the
# warnings, the standard and the libraries' flags are always added.
# No path is compiled in: the binary finds its stdlib at run time from its
# own location (bin/../share/runbook/stdlib), so any PREFIX works after a
# plain `make`.
ALL_CFLAGS := -std=c11 -D_GNU_SOURCE -Wall -Wextra -Wshadow -Wno-unused-parameter \
           -Wformat=2 -Iinterpreter $(PKG_CFLAGS) $(CFLAGS) $(XCFLAGS)
LDLIBS  += $(PKG_LIBS) -lm $(XLDFLAGS)

SRCS    := $(sort $(wildcard interpreter/*.c))
LIBSRCS := $(filter-out interpreter/main.c,$(SRCS))
OBJS    := $(SRCS:interpreter/%.c=$(BUILD)/obj/%.o)
LIBOBJS := $(LIBSRCS:interpreter/%.c=$(BUILD)/obj/%.o)
UNITS   := $(patsubst tests/unit/%.c,$(BUILD)/unit/%,$(wildcard tests/unit/test_*.c))
HELPERS := $(patsubst tests/helpers/%.c,$(BUILD)/helpers/%,$(wildcard tests/helpers/*.c))

.PHONY: all deps test-deps test unit cases demo asan bench install clean schema

all: $(BUILD)/runbook

deps:
	@tests/lib/deps.sh build

test-deps:
	@tests/lib/deps.sh test

$(BUILD)/obj/%.o: interpreter/%.c $(wildcard interpreter/*.h) | $(BUILD)/obj
	$(CC) $(ALL_CFLAGS) -c -o $@ $<

$(BUILD)/obj $(BUILD)/unit $(BUILD)/helpers:
	@mkdir -p $@

$(BUILD)/librunbook.a: $(LIBOBJS)
	@rm -f $@
	ar rcs $@ $^

$(BUILD)/runbook: $(BUILD)/obj/main.o $(BUILD)/librunbook.a
	$(CC) $(ALL_CFLAGS) -o $@ $^ $(LDFLAGS) $(LDLIBS)

$(BUILD)/unit/%: tests/unit/%.c $(BUILD)/librunbook.a | $(BUILD)/unit
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/librunbook.a $(LDFLAGS) $(LDLIBS)

$(BUILD)/helpers/%: tests/helpers/%.c $(BUILD)/librunbook.a | $(BUILD)/helpers
	$(CC) $(ALL_CFLAGS) -o $@ $< $(BUILD)/librunbook.a $(LDFLAGS) $(LDLIBS)

# `make test` must work on a bare Debian machine: install, then build.
test: test-deps
	@$(MAKE) --no-print-directory all-tests

all-tests: $(BUILD)/runbook $(UNITS) $(HELPERS)
	@BUILD=$(BUILD) tests/run.sh

unit: $(UNITS)
	@fail=0; for u in $(UNITS); do $$u || fail=1; done; exit $$fail

demo: deps
	@$(MAKE) --no-print-directory $(BUILD)/runbook
	@tests/lib/demo.sh $(BUILD)/runbook

asan: test-deps
	@$(MAKE) --no-print-directory BUILD=build/asan \
	  CFLAGS="-O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined,float-cast-overflow -fno-sanitize-recover=undefined,float-cast-overflow" \
	  LDFLAGS="-fsanitize=address,undefined,float-cast-overflow" all-tests

bench: $(BUILD)/runbook
	@tests/lib/deps.sh bench
	@BUILD=$(BUILD) bench/run.sh

schema: $(BUILD)/runbook
	$(BUILD)/runbook schema > schema/runbook.schema.json

install: $(BUILD)/runbook
	install -d $(DESTDIR)$(PREFIX)/bin $(DESTDIR)$(PREFIX)/share/runbook/stdlib
	install -m 0755 $(BUILD)/runbook $(DESTDIR)$(PREFIX)/bin/runbook
	if [ -d stdlib ]; then cp -R stdlib/. $(DESTDIR)$(PREFIX)/share/runbook/stdlib/; fi

clean:
	rm -rf build
