# Makefile: build, test, demo and checks for calypso.  `make help` lists targets.
# After `make`, the tree works uninstalled: LUA_PATH=lua/?.lua;lua/?/init.lua
# and LUA_CPATH=build/?.so (see `make env`).
# LUA picks the runtime: lua5.4 (default, into build/), or luajit, lua5.1,
# lua5.3 (into build/<LUA>/); `make test LUA=luajit` runs the suite on it.

LUA      ?= lua5.4
OUT      := $(if $(filter lua5.4,$(LUA)),build,build/$(LUA))
BUSTED   ?= $(LUA) /usr/bin/busted --cpath='$(OUT)/?.so' 
CC       ?= cc
PKGS     := $(LUA) libcurl libcrypto
CFLAGS   ?= -O2 -g
CFLAGS   += -std=c99 -D_POSIX_C_SOURCE=200809L -fPIC \
            -Wall -Wextra -Wshadow -Wstrict-prototypes -Wmissing-prototypes
LDFLAGS  += -shared
SRC      := $(wildcard src/*.c)
HDR      := $(wildcard src/*.h)
CORE     := $(OUT)/calypso/core.so
TESTLIBS := $(OUT)/testsys.so

export LUA_PATH  := lua/?.lua;lua/?/init.lua;spec/?.lua;;
export LUA_CPATH := $(OUT)/?.so;;

.PHONY: all deps test demo lint valgrind rock bench docs clean help env

all: $(CORE)

$(CORE): $(SRC) $(HDR) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $$(pkg-config --cflags $(PKGS)) $(SRC) -o $@ $(LDFLAGS) \
	  $$(pkg-config --libs libcurl libcrypto) -lpthread -lm

# Test-only helpers (spec/support/*.c), never installed.
$(OUT)/%.so: spec/support/%.c src/compat.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $$(pkg-config --cflags $(LUA)) $< -o $@ $(LDFLAGS)

deps:
	@scripts/deps test $(LUA)

# The OpenResty test runs the core inside nginx, whose Lua is LuaJIT.
NGINX_CORE := build/luajit/calypso/core.so
ifneq ($(LUA),luajit)
$(NGINX_CORE): $(SRC) $(HDR) Makefile
	$(MAKE) LUA=luajit all
endif

test: deps all $(TESTLIBS) $(NGINX_CORE)
	$(BUSTED)

demo: deps all
	@scripts/demo

lint:
	@scripts/deps lint
	luacheck lua spec examples bench emulator/lua

valgrind: all $(TESTLIBS)
	@scripts/deps valgrind
	scripts/valgrind-suite

rock:
	@scripts/deps rock $(LUA)
	scripts/rock-check $(LUA)

bench: all
	@scripts/deps bench
	bench/run

docs:
	@scripts/deps docs
	ldoc .

env:
	@echo 'export LUA_PATH="$(LUA_PATH)" LUA_CPATH="$(LUA_CPATH)"'

clean:
	rm -rf build

help:
	@echo 'make          build build/calypso/core.so (Lua 5.4); LUA=luajit|lua5.1|lua5.3: build/<LUA>/'
	@echo 'make test     install missing Debian packages (as root), build, run the busted suite'
	@echo 'make demo     the same install and build, then run examples/customers.lua on the emulator'
	@echo 'make lint     luacheck'
	@echo 'make valgrind the suite under valgrind memcheck'
	@echo 'make rock     luarocks make into build/rocktree-$$LUA, then load it'
	@echo 'make bench    the benchmark table (BENCH_QUICK=1: one short round)'
	@echo 'make docs     LDoc for the public Lua API into build/docs'
