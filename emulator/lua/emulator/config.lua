-- config.lua: the emulator's one merchant.  The key pair is the documented
-- example from the Calypso docs; the account is made up but has the
-- documented shape.  Tests and the demo read these same values.
return {
  key = "c529e14832b34b74972365cf7bf02430",
  secret = "b823a6b9ea72408583cef9ec8d67fa52",
  account = "0x5a3f0c1e2d4b6a79880f1e2d3c4b5a6978876543",
  window_ms = 3 * 60 * 1000, -- the documented timestamp window, each way
}
