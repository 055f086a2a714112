-- spec/support/recorder.lua: records what a client's hooks and logger see,
-- for specs that hold every transport to the same events.  Loaded in this
-- process (support.recorder) and in the probe server (recorder).
--   local options, take = recorder.wrap{ record = true, max_retries = 1 }
--   -- options: a copy without `record`, with on_request, on_response,
--   -- on_retry and a logger (log_level "debug" unless given) that append
--   -- { hook = "on_response", ...info } or { hook = "log", level, message }
--   take() -> the events since the last take, in order
-- record = "raise": each hook records, then raises.
local M = {}

local HOOKS = { "on_request", "on_response", "on_retry" }

function M.wrap(options)
  local out, events = {}, {}
  for k, v in pairs(options or {}) do
    if k ~= "record" then out[k] = v end
  end
  local record = options and options.record
  if record then
    for _, hook in ipairs(HOOKS) do
      out[hook] = function(info)
        local event = { hook = hook }
        for k, v in pairs(info) do event[k] = v end
        events[#events + 1] = event
        if record == "raise" then error("the " .. hook .. " hook broke") end
      end
    end
    out.log_level = out.log_level or "debug"
    out.logger = function(level, message)
      events[#events + 1] = { hook = "log", level = level, message = message }
    end
  end
  return out, function()
    local taken = events
    events = {}
    return taken
  end
end

return M
