/* decode_fuzz.c: the response side as a transport written in Lua drives it:
 * core.answer(cap), ex:feed(bytes)..., ex:eof(), ex:finish(), which runs
 * the framing (http1.c), the judge (outcome.c), the JSON decoder (json.c)
 * and the error builder (error.c).
 * Input: [head][cap][flags][bytes...]
 * head picks a prefix, so the decoder is reached often: 0 none (the bytes
 * are the whole response), else a status line and headers that frame the
 * bytes as a body (Content-Length, one chunk, until close, after a 100
 * Continue, HTTP/1.0) or leave the fuzzer to write headers too.  cap is one
 * of a few max_response_bytes from 1 to 2^31-1.  flags: 1 ex:sent(); 2 feed
 * in two pieces; 4 report a transport failure (ex:fail) before eof; 8 skip eof.
 * Invariants (abort() on violation; the Lua chunk below states them as
 * checks, and any raise is a finding too):
 *  - no crash, no UB, no leak;
 *  - finish returns exactly one table, or nil and an error table whose kind
 *    is one of network, decode, api, timeout, tls, validation, with a string
 *    message and the calypso.Error metatable;
 *  - a result comes only from a complete 2xx answer, within the cap,
 *    whose body is a JSON object (first non-blank byte '{');
 *  - facts().body is never longer than the cap;
 *  - ex:reusable() is true only after an accepted, complete answer;
 *  - core.outcome(ex:facts()), the judge called on its own, agrees with
 *    finish: result or error, kind, status, code, trace_id, request_sent,
 *    and whether the connection may be kept. */
#include <stdint.h>
#include <stdio.h>
#include <string.h>
#include "fuzz.h"

static const char check_chunk[] =
    "local core, bytes, cap, flags, cut, class = ...\n"
    "local kinds = { network = true, decode = true, api = true, timeout = true,\n"
    "                tls = true, validation = true }\n"
    "local ex = core.answer(cap)\n"
    "if flags % 2 == 1 then ex:sent() end\n"
    "if flags // 2 % 2 == 1 then\n"
    "  ex:feed(bytes:sub(1, cut)); ex:feed(bytes:sub(cut + 1))\n"
    "else\n"
    "  ex:feed(bytes)\n"
    "end\n"
    "if flags // 4 % 2 == 1 then ex:fail(class, 'fuzz says ' .. class) end\n"
    "if flags // 8 % 2 == 0 then ex:eof() end\n"
    "local facts = ex:facts()\n"
    "if #facts.body > cap then return 'facts().body is longer than the cap' end\n"
    "local r = table.pack(ex:finish())\n"
    "if r.n == 1 then\n"
    "  if type(r[1]) ~= 'table' then return 'finish returned one ' .. type(r[1]) end\n"
    "  if getmetatable(r[1]) == debug.getregistry()['calypso.Error'] then\n"
    "    return 'finish returned an error as a result' end\n"
    "  if not facts.complete or facts.status < 200 or facts.status > 299 or facts.failure\n"
    "      or facts.over_cap then\n"
    "    return 'a result from an answer that is not a complete 2xx' end\n"
    "  if not facts.body:find('^[ \\t\\r\\n]*{') then\n"
    "    return 'a result from a body that is not a JSON object' end\n"
    "elseif r.n == 2 then\n"
    "  local err = r[2]\n"
    "  if r[1] ~= nil or type(err) ~= 'table' then\n"
    "    return 'finish returned ' .. type(r[1]) .. ', ' .. type(err) end\n"
    "  if not kinds[err.kind] then return 'error kind ' .. tostring(err.kind) end\n"
    "  if type(err.message) ~= 'string' then return 'error without a message' end\n"
    "  if getmetatable(err) ~= debug.getregistry()['calypso.Error'] then\n"
    "    return 'error without its metatable' end\n"
    "  if type(tostring(err)) ~= 'string' then return 'tostring(err) failed' end\n"
    "else\n"
    "  return 'finish returned ' .. r.n .. ' values'\n"
    "end\n"
    "if ex:reusable() and (r.n ~= 1 and r[2].kind ~= 'api' or not facts.complete) then\n"
    "  return 'reusable after an answer that was not accepted whole'\n"
    "end\n"
    "if core.outcome then -- the judge on its own, over the same facts\n"
    "  local o = table.pack(core.outcome(facts))\n"
    "  if o.n ~= r.n + 1 then return 'core.outcome(facts) and finish disagree on success' end\n"
    "  if o[o.n] ~= ex:reusable() then return 'core.outcome(facts) and finish disagree on keep' end\n"
    "  if r.n == 2 then\n"
    "    for _, k in ipairs{ 'kind', 'status', 'code', 'trace_id', 'request_sent' } do\n"
    "      if o[2][k] ~= r[2][k] then\n"
    "        return ('core.outcome(facts) gives %s %s, finish %s'):format(k, tostring(o[2][k]),\n"
    "          tostring(r[2][k])) end\n"
    "    end\n"
    "  end\n"
    "end\n";

static const char *const heads[] = {
    NULL, /* no head: the bytes are the whole response */
    "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: %zu\r\n\r\n",
    "HTTP/1.1 200 OK\r\nConnection: close\r\n\r\n",
    "HTTP/1.1 201 Created\r\nTransfer-Encoding: chunked\r\n\r\n%zx\r\n", /* then "\r\n0\r\n\r\n" */
    "HTTP/1.1 400 Bad Request\r\nContent-Length: %zu\r\n\r\n",
    "HTTP/1.1 503 Service Unavailable\r\nRetry-After: 7\r\n"
    "Date: Sun, 06 Nov 1994 08:49:37 GMT\r\nContent-Length: %zu\r\n\r\n",
    "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: %zu\r\n\r\n",
    "HTTP/1.0 200 OK\r\n\r\n",
    "HTTP/1.1 200 OK\r\n", /* the fuzzer writes the headers */
    "HTTP/1.1 429 Too Many Requests\r\nRetry-After: Wed, 21 Oct 2065 07:28:00 GMT\r\n"
    "Content-Length: %zu\r\n\r\n",
};
static const double caps[] = {1, 2, 16, 64, 256, 1024, 65536, 2147483647.0};
static const char *const classes[] = {"dns", "connect", "tls", "timeout", "reset", "closed",
                                      "resend", "forked", "stamp", "local"};

static lua_State *L;
static int chunk; /* registry ref: check_chunk, compiled once */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  calypso_fuzz_locale();
  L = calypso_fuzz_lua();
  chunk = calypso_fuzz_chunk(L, check_chunk, sizeof check_chunk - 1, "=decode_fuzz");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int top = lua_gettop(L), head, flags;
  const char *rest;
  size_t n;
  char prefix[256];
  luaL_Buffer b;
  if (size < 3) return 0;
  head = data[0] % (int)(sizeof heads / sizeof *heads);
  flags = data[2];
  rest = (const char *)data + 3;
  n = size - 3;
  lua_rawgeti(L, LUA_REGISTRYINDEX, chunk);
  lua_getglobal(L, "core");
  luaL_buffinit(L, &b);
  if (heads[head]) {
    snprintf(prefix, sizeof prefix, heads[head], n);
    luaL_addstring(&b, prefix);
  }
  luaL_addlstring(&b, rest, n);
  if (head == 3) luaL_addstring(&b, "\r\n0\r\n\r\n");
  luaL_pushresult(&b);
  lua_pushnumber(L, caps[data[1] % (sizeof caps / sizeof *caps)]);
  lua_pushinteger(L, flags);
  lua_pushinteger(L, (lua_Integer)(flags >> 4) * (lua_Integer)(n / 16 + 1)); /* where to cut */
  lua_pushstring(L, classes[(flags >> 4) % (sizeof classes / sizeof *classes)]);
  if (lua_pcall(L, 6, 1, 0) != LUA_OK) calypso_fuzz_fail("raised: %s", lua_tostring(L, -1));
  if (!lua_isnil(L, -1)) calypso_fuzz_fail("%s", lua_tostring(L, -1));
  calypso_fuzz_settle(L, top);
  return 0;
}
