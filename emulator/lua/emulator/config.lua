-- config.lua: the emulator's one merchant.  The key pair is the documented
-- example from the Calypso docs; the accounts are made up but have the
-- documented shape.  The key acts for two accounts (user.current lists
-- both, as the real one lists a key's available accounts): `account`, the
-- one clients use by default, and `other_account`, whose objects the
-- emulator keeps apart (state.lua).  Tests and the demo read these values.
return {
  key = "c529e14832b34b74972365cf7bf02430",
  secret = "b823a6b9ea72408583cef9ec8d67fa52",
  account = "0x5a3f0c1e2d4b6a79880f1e2d3c4b5a6978876543",
  other_account = "0x7d2e4b6a0c1f3e5d7b9a1c3e5f7d9b1a3c5e7f90",
  window_ms = 3 * 60 * 1000, -- the documented timestamp window, each way
}
