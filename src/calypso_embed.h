/* calypso_embed.h: the one function a C or C++ host calls after linking
 * build/libcalypso.a (`make static`), which carries the C core and every
 * Lua file of the module.  See examples/embed/host.c and the README's
 * "Embedding in a C/C++ host".
 *
 *   lua_State *L = luaL_newstate();
 *   luaL_openlibs(L);
 *   calypso_preload(L);        // now require "calypso" needs no files on disk
 *
 * Link Lua 5.4, libcurl and libcrypto besides; the core reads and writes
 * JSON itself (encode.c, decode.c), so no JSON library is needed. */
#ifndef CALYPSO_EMBED_H
#define CALYPSO_EMBED_H

#ifdef __cplusplus
extern "C" {
#endif

#include <lua.h>

/* Registers package.preload["calypso"], ["calypso.client"], ... and
 * ["calypso.core"] in L.  Call once per Lua state, before require. */
void calypso_preload(lua_State *L);

#ifdef __cplusplus
}
#endif

#endif
