/* core.c: luaopen_calypso_core builds the module table and lets each file
 * add its part.  Nothing else lives here.
 *   new(opts) -> client          settings.c; the client is client.c's, with methods
 *                                 from call.c (attempt, prepare, tunnel, last),
 *                                 envelope.c (envelope) and multi.c (submit, start,
 *                                 drive, release, watch, lane)
 *   answer(max) -> ex            answer.c (judged by outcome.c)
 *   outcome(facts) -> ...        outcome.c: the judge on its own
 *   route(opts) -> route         route.c: method, envelope shape, empty answers
 *   uuid4() -> string            uuid.c: a random UUID (OpenSSL's CSPRNG)
 *   printable(s), is_email(s)    text.c: text.lua's common cases, without a pattern
 *   forward(url, body, headers)  forward.c: one plain POST (calypso listen --forward-to)
 *   decimal(text) -> d | nil, problem   encode.c: an exact amount, sent as written
 *   sign(secret, body) -> hex    sign.c; also verify_sign(secret, body, sign) -> bool,
 *                                 has_env(name) -> bool
 *   decode_object(text) -> t     json.c; also limits (what one answer may hold)
 *   number_text(n), same_amount(a, b)   number.c: decimal text, exact comparison
 *   time_ms, monotonic, sleep    clock.c
 *   error(kind, message [, extra]) -> err   error.c
 *   null                          json.c (lua-cjson's null)
 *   array(t) -> t                 encode.c (send t as a JSON array, even empty);
 *                                 also object_table(n) -> {} (room for n members)
 *   version                       "0.1.0" */
#include "calypso.h"

CALYPSO_EXPORT int luaopen_calypso_core(lua_State *L) {
  lua_newtable(L);
  lua_pushliteral(L, CALYPSO_VERSION);
  lua_setfield(L, -2, "version");
  calypso_json_open(L);
  calypso_encode_open(L);
  calypso_number_open(L);
  calypso_error_open(L);
  calypso_sign_open(L);
  calypso_clock_open(L);
  calypso_route_open(L);
  calypso_uuid_open(L);
  calypso_text_open(L);
  calypso_forward_open(L);
  calypso_outcome_open(L);
  calypso_answer_open(L);
  calypso_settings_open(L);
  calypso_client_open(L); /* pushes the client methods table, which the transports fill */
  calypso_call_open(L);
  calypso_envelope_open(L);
  calypso_multi_open(L);
  lua_pop(L, 1);
  return 1;
}
