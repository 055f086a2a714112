-- hmac.lua: HMAC-SHA512 as lowercase hex, through LuaJIT's FFI into the
-- OpenSSL that nginx already links.  Independent of the client's C code, so
-- the emulator checks signatures with a second implementation.
local ffi = require "ffi"

ffi.cdef [[
typedef struct evp_md_st EVP_MD;
const EVP_MD *EVP_sha512(void);
unsigned char *HMAC(const EVP_MD *evp_md, const void *key, int key_len,
                    const unsigned char *d, size_t n, unsigned char *md,
                    unsigned int *md_len);
]]

local function find_libcrypto()
  if pcall(function() return ffi.C.HMAC end) then return ffi.C end
  return ffi.load("libcrypto.so.3")
end

local crypto = find_libcrypto()
local out = ffi.new("unsigned char[64]")
local out_len = ffi.new("unsigned int[1]")

local M = {}

local hex_format = string.rep("%02x", 64)

function M.sha512_hex(key, data)
  assert(crypto.HMAC(crypto.EVP_sha512(), key, #key, data, #data, out, out_len) ~= nil, "HMAC failed")
  return hex_format:format(ffi.string(out, 64):byte(1, 64))
end

return M
