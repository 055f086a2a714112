/* json_fuzz.c: the decoder of what we receive (src/decode.c), through
 * core.decode_object(text, exact), held to itself and to lua-cjson as an
 * independent reader.
 * Input: [flags][bytes...]; flags 1: exact_numbers.  A '{' is put in front
 * when the bytes do not start with one, so the decoder is reached often.
 * Invariants (abort() on violation; the Lua chunk states them):
 *  - no crash, no UB, no leak; decode_object returns a table, or nil and a
 *    message ending " at byte N" with N within the input;
 *  - a result holds only tables, strings, numbers, booleans and null;
 *  - what it accepts, the encoder writes back and it reads again to the
 *    same value (with exact off: a round trip is a fixed point);
 *  - where lua-cjson also accepts, both give the same value (numbers equal
 *    as doubles); where lua-cjson accepts and we refuse, ours must say why
 *    in the words for what we refuse on purpose (bytes that are not UTF-8,
 *    a control byte, a lone surrogate or bad escape, nesting, a number RFC
 *    8259 does not allow though strtod reads it, and bytes after the value
 *    when there is a NUL byte: lua-cjson stops reading at one); where we
 *    accept and lua-cjson refuses: a finding. */
#include <stdint.h>
#include <string.h>
#include "fuzz.h"

static const char check_chunk[] =
    "local core, cjson_decode, text, exact = ...\n"
    "local t, why = core.decode_object(text, exact)\n"
    "if t == nil then\n"
    "  if type(why) ~= 'string' then return 'a refusal without a message' end\n"
    "  local at = tonumber(why:match(' at byte (%d+)$'))\n"
    "  if not at or at < 1 or at > #text + 1 then return 'a refusal without its byte: ' .. why end\n"
    "elseif type(t) ~= 'table' then\n"
    "  return 'decode_object gave a ' .. type(t)\n"
    "end\n"
    "local function walk(v, depth)\n"
    "  local k = type(v)\n"
    "  if k == 'table' then\n"
    "    if depth > 1100 then return 'deeper than the decoder allows' end\n"
    "    for key, x in pairs(v) do\n"
    "      if type(key) ~= 'string' and type(key) ~= 'number' then return 'a key of type ' .. type(key) end\n"
    "      local problem = walk(x, depth + 1)\n"
    "      if problem then return problem end\n"
    "    end\n"
    "  elseif k ~= 'number' and k ~= 'boolean' and k ~= 'string' and v ~= core.null then\n"
    "    return 'a decoded ' .. k\n"
    "  end\n"
    "end\n"
    "if t then\n"
    "  local problem = walk(t, 0)\n"
    "  if problem then return problem end\n"
    "end\n"
    "local function same(a, b)\n"
    "  if type(a) == 'number' and type(b) == 'number' then -- as doubles: an integer is exact here\n"
    "    return a + 0.0 == b + 0.0 or (a ~= a and b ~= b) end\n"
    "  if type(a) ~= type(b) then return false end\n"
    "  if type(a) ~= 'table' then return a == b end\n"
    "  for k, v in pairs(a) do if not same(v, b[k]) then return false end end\n"
    "  for k in pairs(b) do if a[k] == nil then return false end end\n"
    "  return true\n"
    "end\n"
    "if t and not exact then -- a round trip through the encoder is a fixed point\n"
    "  json_fuzz_client = json_fuzz_client or core.new{ key = 'k', secret = 's', account = '0x1',\n"
    "    base_url = 'https://x', timeout = 1, connect_timeout = 1, max_response_bytes = 1,\n"
    "    max_connections = 1, http2 = false, clock_offset_ms = 0 }\n"
    "  local body, werr = json_fuzz_client:envelope(t, 1)\n"
    "  if body then\n"
    "    local again = core.decode_object(body:match('\"payload\":(.*)}$'))\n"
    "    if not again or not same(t, again) then return 'a round trip changed the value' end\n"
    "  elseif not tostring(werr):find('nested') and not tostring(werr):find('NaN') then\n"
    "    return 'the encoder refused what was decoded: ' .. tostring(werr)\n"
    "  end\n"
    "end\n"
    "local ok, ref = pcall(cjson_decode, text)\n"
    "ok = ok and type(ref) == 'table'\n"
    "if ok and t and not exact and not same(t, ref) then return 'lua-cjson reads it otherwise' end\n"
    "-- lua-cjson does not check UTF-8, stops reading at a NUL byte, and reads\n"
    "-- numbers with strtod, which takes forms RFC 8259 does not (0., 1.e5)\n"
    "if ok and not t and not (why:find('UTF%-8') or why:find('control byte') or why:find('surrogate')\n"
    "    or why:find('nested') or why:find('escape') or why:find('malformed number')\n"
    "    or why:find('^bytes after the value') and text:find('%z')) then\n"
    "  return 'lua-cjson reads what we refuse: ' .. why end\n"
    "if not ok and t then return 'we read what lua-cjson refuses' end\n";

static lua_State *L;
static int chunk, reference; /* registry refs: check_chunk; lua-cjson's decode */

int LLVMFuzzerInitialize(int *argc, char ***argv);
int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);

int LLVMFuzzerInitialize(int *argc, char ***argv) {
  (void)argc, (void)argv;
  calypso_fuzz_locale();
  L = calypso_fuzz_lua();
  reference = calypso_fuzz_decoder(L, 1000);
  chunk = calypso_fuzz_chunk(L, check_chunk, sizeof check_chunk - 1, "=json_fuzz");
  return 0;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size) {
  int top = lua_gettop(L);
  if (size < 1) return 0;
  lua_rawgeti(L, LUA_REGISTRYINDEX, chunk);
  lua_getglobal(L, "core");
  lua_rawgeti(L, LUA_REGISTRYINDEX, reference);
  if (size > 1 && data[1] == '{') {
    lua_pushlstring(L, (const char *)data + 1, size - 1);
  } else {
    lua_pushliteral(L, "{");
    lua_pushlstring(L, (const char *)data + 1, size - 1);
    lua_concat(L, 2);
  }
  lua_pushboolean(L, data[0] & 1);
  if (lua_pcall(L, 4, 1, 0) != LUA_OK) calypso_fuzz_fail("raised: %s", lua_tostring(L, -1));
  if (!lua_isnil(L, -1)) calypso_fuzz_fail("%s", lua_tostring(L, -1));
  calypso_fuzz_settle(L, top);
  return 0;
}
