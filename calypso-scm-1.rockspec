-- calypso-scm-1.rockspec: the development version, built from the working
-- tree with `luarocks make calypso-scm-1.rockspec`; the same as the release
-- rockspec but for its version (spec/unit/rockspec_spec.lua holds them so).
-- Debian keeps curl's headers under /usr/include/<multiarch>, where LuaRocks'
-- header search does not look but the compiler does; so the external
-- dependencies name libraries only.  Elsewhere, pass CURL_INCDIR=... and
-- CRYPTO_INCDIR=... to luarocks as usual.
rockspec_format = "3.0"
package = "calypso"
version = "scm-1"

source = {
  url = "git+file://.",
}

description = {
  summary = "Client for the Calypso Pay merchant API, with a C core (libcurl, OpenSSL)",
  detailed = [[
    Signed, verified HTTPS calls to the whole Calypso Pay merchant API
    (invoices, payouts, exchange, rates, webhooks, the Customer Purse API and
    the rest), exact amounts, exactly-once creates: a C core builds the
    signed envelope, sends it over a kept-alive, verified libcurl
    connection, or many at once through curl multi (client.async), and
    judges the answer; Lua validates input and binds endpoints from data rows.
  ]],
  license = "MIT",
  labels = { "payments", "http", "crypto" },
}

dependencies = {
  "lua >= 5.1, < 5.5", -- the core reads and writes JSON itself
  -- The calypso command also needs argparse (Debian: lua-argparse).  It is
  -- not declared: Debian's package is no rock, so LuaRocks would report it
  -- missing; the command names the package when it is absent.
}

external_dependencies = {
  CURL = { library = "curl" },
  CRYPTO = { library = "crypto" },
  SSL = { library = "ssl" },
}

build = {
  type = "builtin",
  install = { bin = { calypso = "bin/calypso" } },
  -- The sandbox's emulator (nginx.conf.in, bin/emulator, its Lua), found by
  -- calypso.sandbox in the rock's folder of the tree; and the editor's types
  -- (types/calypso.lua, lua-language-server's ---@meta: add the folder to
  -- workspace.library).
  copy_directories = { "emulator", "types" },
  modules = {
    ["calypso"] = "lua/calypso/init.lua",
    ["calypso.async"] = "lua/calypso/async.lua",
    ["calypso.claims"] = "lua/calypso/claims.lua",
    ["calypso.cli"] = "lua/calypso/cli.lua",
    ["calypso.cli.listen"] = "lua/calypso/cli/listen.lua",
    ["calypso.cli.output"] = "lua/calypso/cli/output.lua",
    ["calypso.cli.sandbox"] = "lua/calypso/cli/sandbox.lua",
    ["calypso.cli.webhook"] = "lua/calypso/cli/webhook.lua",
    ["calypso.cli.trigger"] = "lua/calypso/cli/trigger.lua",
    ["calypso.cli.fixtures"] = "lua/calypso/cli/fixtures.lua",
    ["calypso.cli.forward"] = "lua/calypso/cli/forward.lua",
    ["calypso.cli.values"] = "lua/calypso/cli/values.lua",
    ["calypso.client"] = "lua/calypso/client.lua",
    ["calypso.cosocket"] = "lua/calypso/cosocket.lua",
    ["calypso.endpoints"] = "lua/calypso/endpoints.lua",
    ["calypso.loop"] = "lua/calypso/loop.lua",
    ["calypso.loops.cqueues"] = "lua/calypso/loops/cqueues.lua",
    ["calypso.loops.luv"] = "lua/calypso/loops/luv.lua",
    ["calypso.loops.tarantool"] = "lua/calypso/loops/tarantool.lua",
    ["calypso.observe"] = "lua/calypso/observe.lua",
    ["calypso.options"] = "lua/calypso/options.lua",
    ["calypso.pages"] = "lua/calypso/pages.lua",
    ["calypso.readback"] = "lua/calypso/readback.lua",
    ["calypso.receiver"] = "lua/calypso/receiver.lua",
    ["calypso.retry"] = "lua/calypso/retry.lua",
    ["calypso.suggest"] = "lua/calypso/suggest.lua",
    ["calypso.triggers"] = "lua/calypso/triggers.lua",
    ["calypso.rows"] = "lua/calypso/rows.lua",
    ["calypso.sandbox"] = "lua/calypso/sandbox.lua",
    ["calypso.text"] = "lua/calypso/text.lua",
    ["calypso.types"] = "lua/calypso/types.lua",
    ["calypso.webhook"] = "lua/calypso/webhook.lua",
    ["calypso.core"] = {
      sources = {
        "src/buf.c", "src/call.c", "src/client.c", "src/clock.c", "src/conn.c", "src/core.c",
        "src/curl.c", "src/decode.c", "src/forward.c", "src/encode.c", "src/envelope.c", "src/error.c", "src/answer.c", "src/http1.c", "src/json.c", "src/link.c",
        "src/multi.c", "src/number.c", "src/outcome.c", "src/request.c", "src/route.c", "src/settings.c", "src/sign.c",
        "src/sockets.c", "src/text.c", "src/transfer.c", "src/uuid.c",
      },
      defines = { "_POSIX_C_SOURCE=200809L" },
      incdirs = { "$(CURL_INCDIR)", "$(SSL_INCDIR)", "$(CRYPTO_INCDIR)" },
      libdirs = { "$(CURL_LIBDIR)", "$(SSL_LIBDIR)", "$(CRYPTO_LIBDIR)" },
      libraries = { "curl", "ssl", "crypto", "pthread", "m" },
    },
  },
}
