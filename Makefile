# Makefile: build, test, demo and checks for calypso.  `make help` lists targets.
# After `make`, the tree works uninstalled, from any directory: `make env`
# prints LUA_PATH and LUA_CPATH with this tree's absolute paths.
# LUA picks the runtime: lua5.4 (default, into build/), or luajit, lua5.1,
# lua5.3 (into build/<LUA>/); `make test LUA=luajit` runs the suite on it.

LUA      ?= lua5.4
OUT      := $(if $(filter lua5.4,$(LUA)),build,build/$(LUA))
BUSTED   ?= $(LUA) /usr/bin/busted --cpath='$(OUT)/?.so' 
CC       ?= cc
PKGS     := $(LUA) libcurl libssl libcrypto
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

.PHONY: all deps deps-unit test unit demo shop lint valgrind asan fuzz rock bench docs static embed clean help env

all: $(CORE)

$(CORE): $(SRC) $(HDR) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $$(pkg-config --cflags $(PKGS)) $(SRC) -o $@ $(LDFLAGS) \
	  $$(pkg-config --libs libcurl libssl libcrypto) -lpthread -lm

# Test-only helpers (spec/support/*.c), never installed.
$(OUT)/%.so: spec/support/%.c src/compat.h
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $$(pkg-config --cflags $(LUA)) $< -o $@ $(LDFLAGS)

deps:
	@scripts/deps test $(LUA)

# make static: build/libcalypso.a, the core (for Lua 5.4) and every Lua file
# as preload chunks (scripts/embed-lua), for hosts that embed Lua.  The
# example host links it, and is run by the suite.
STATIC     := build/libcalypso.a
STATIC_OBJ := $(patsubst src/%.c,build/static/%.o,$(SRC)) build/static/preload.o
EMBED_HOST := build/embed/host build/embed/host-cxx
LUA_SRC    := $(wildcard lua/calypso/*.lua lua/calypso/loops/*.lua)

static: $(STATIC)
embed: $(EMBED_HOST)

build/static/%.o: src/%.c $(HDR) Makefile
	@mkdir -p $(dir $@)
	$(CC) $(CFLAGS) $$(pkg-config --cflags lua5.4 libcurl libcrypto) -c $< -o $@

build/static/preload.c: $(LUA_SRC) scripts/embed-lua
	@mkdir -p $(dir $@)
	lua5.4 scripts/embed-lua $@ $(LUA_SRC)

build/static/preload.o: build/static/preload.c $(HDR)
	$(CC) $(CFLAGS) -Isrc $$(pkg-config --cflags lua5.4) -c $< -o $@

$(STATIC): $(STATIC_OBJ)
	rm -f $@
	ar rcs $@ $^

build/embed/host: examples/embed/host.c src/calypso_embed.h $(STATIC)
	@mkdir -p $(dir $@)
	$(CC) -O2 -g -Wall -Wextra -Isrc $$(pkg-config --cflags lua5.4) $< -o $@ $(STATIC) \
	  $$(pkg-config --libs lua5.4 libcurl libssl libcrypto) \
	  -lpthread -lm

# The same host as C++: the README's snippet must link from C++ too.
build/embed/host-cxx: examples/embed/host.c src/calypso_embed.h $(STATIC)
	@mkdir -p $(dir $@)
	g++ -x c++ -O2 -g -Wall -Wextra -Isrc $$(pkg-config --cflags lua5.4) $< -x none -o $@ $(STATIC) \
	  $$(pkg-config --libs lua5.4 libcurl libssl libcrypto) \
	  -lpthread -lm

# The OpenResty test runs the core inside nginx, whose Lua is LuaJIT.
NGINX_CORE := build/luajit/calypso/core.so
ifneq ($(LUA),luajit)
$(NGINX_CORE): $(SRC) $(HDR) Makefile
	$(MAKE) LUA=luajit all
endif

# bin/calypso runs on Lua 5.4, whatever LUA the suite runs on.
CLI_CORE := build/calypso/core.so
ifneq ($(LUA),lua5.4)
$(CLI_CORE): $(SRC) $(HDR) Makefile
	$(MAKE) LUA=lua5.4 all
endif

test: deps all $(TESTLIBS) $(NGINX_CORE) $(CLI_CORE) $(EMBED_HOST)
	scripts/with-emulator $(BUSTED)

# make unit: the specs that need no server (spec/unit), on any LUA; its
# packages need no nginx.
deps-unit:
	@scripts/deps unit $(LUA)

unit: deps-unit all $(TESTLIBS)
	$(BUSTED) spec/unit

demo: deps all
	@scripts/demo

# make shop: the example shop (examples/openresty) against a sandbox, until Ctrl-C.
shop: deps all $(NGINX_CORE)
	@scripts/shop run

lint:
	@scripts/deps lint
	luacheck lua spec examples bench emulator/lua scripts/embed-lua scripts/api-doc scripts/lua-types \
	  scripts/docs-check scripts/shop bin/calypso

valgrind: all $(TESTLIBS)
	@scripts/deps valgrind
	scripts/valgrind-suite

# make asan: the suite with the core and testsys built by clang under ASan and
# UBSan into build/asan/ (the same rules as above, another OUT and CFLAGS),
# run by scripts/asan-suite.
ASAN_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=address,undefined \
               -fno-sanitize-recover=all

asan: deps all $(TESTLIBS) $(NGINX_CORE) $(EMBED_HOST)
	@scripts/deps asan
	CFLAGS='$(ASAN_CFLAGS)' $(MAKE) --no-print-directory OUT=build/asan CC=clang \
	  build/asan/calypso/core.so build/asan/testsys.so
	scripts/asan-suite

# make fuzz: the libFuzzer harnesses in fuzz/, built by clang into build/fuzz/
# and run by fuzz/run for FUZZ_SECONDS (default 60) each, in the C locale and
# in de_DE.UTF-8.  http1_fuzz links the parser alone; the others the whole
# core, with lua-cjson linked in (json_check.c is encode_fuzz's checker).
FUZZ_BIN    := $(addprefix build/fuzz/,http1_fuzz encode_fuzz webhook_fuzz decode_fuzz json_fuzz)
FUZZ_CFLAGS := -O1 -g -fno-omit-frame-pointer -fsanitize=fuzzer,address,undefined \
               -fno-sanitize-recover=all -std=c99 -D_POSIX_C_SOURCE=200809L -Wall -Wextra -Isrc

fuzz:
	@scripts/deps fuzz
	@$(MAKE) --no-print-directory $(FUZZ_BIN)
	fuzz/run

build/fuzz/http1_fuzz: fuzz/http1_fuzz.c fuzz/common.c src/http1.c src/buf.c fuzz/fuzz.h $(HDR) Makefile
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $$(pkg-config --cflags lua5.4) $(filter %.c,$^) -o $@

build/fuzz/%_fuzz: fuzz/%_fuzz.c fuzz/common.c fuzz/lua.c fuzz/json_check.c $(SRC) fuzz/fuzz.h \
                  $(HDR) Makefile
	@mkdir -p $(dir $@)
	clang $(FUZZ_CFLAGS) $$(pkg-config --cflags lua5.4 libcurl libcrypto) $(filter %.c,$^) -o $@ \
	  -Wl,-Bstatic -llua5.4-cjson -Wl,-Bdynamic \
	  $$(pkg-config --libs lua5.4 libcurl libssl libcrypto) -lpthread -lm

rock:
	@scripts/deps rock $(LUA)
	scripts/rock-check $(LUA)

bench: all $(NGINX_CORE)
	@scripts/deps bench
	bench/run

docs: all
	@scripts/deps docs
	lua5.4 scripts/api-doc ldoc build/api.lua
	lua5.4 scripts/docs-check
	rm -rf build/docs
	ldoc .

env:
	@echo 'export LUA_PATH="$(CURDIR)/lua/?.lua;$(CURDIR)/lua/?/init.lua;;" LUA_CPATH="$(CURDIR)/$(OUT)/?.so;;"\
	  PATH="$(CURDIR)/bin:$$PATH"'

clean:
	rm -rf build

help:
	@echo 'make          build build/calypso/core.so (Lua 5.4); LUA=luajit|lua5.1|lua5.3: build/<LUA>/'
	@echo 'make test     install missing Debian packages (as root), build, run the busted suite'
	@echo 'make unit     only spec/unit, the specs that need no server (any LUA)'
	@echo 'make demo     the same install and build, then run examples/customers.lua and invoice.lua on the emulator'
	@echo 'make shop     the example shop (examples/openresty) against a sandbox, until Ctrl-C'
	@echo 'make lint     luacheck'
	@echo 'make valgrind the suite under valgrind memcheck'
	@echo 'make asan     the suite with the core under ASan and UBSan (clang), scripts/asan-suite'
	@echo 'make fuzz     the libFuzzer harnesses in fuzz/, FUZZ_SECONDS (60) each in C and de_DE.UTF-8'
	@echo 'make rock     luarocks make into build/rocktree-$$LUA, then load it'
	@echo 'make bench    the benchmark table (BENCH_QUICK=1: one short round)'
	@echo 'make docs     LDoc for the public Lua API into build/docs'
	@echo 'make static   build/libcalypso.a: the core and its Lua files, for C/C++ hosts'
	@echo 'make embed    build/embed/host, the example host (examples/embed)'
