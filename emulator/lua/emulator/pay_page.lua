-- pay_page.lua: the sandbox's hosted payment page, the stand-in for the
-- documented https://pay.calypso.finance/invoice/{idempotencyKey} (a shop
-- sends its buyer there after a create; calypso.invoice_url makes the URL,
-- and a sandbox client's points here: /pay/invoice/{idempotencyKey}).
--   GET  /pay/invoice/KEY   the invoice: amount, currency, address, state;
--                           while it waits for payment, buttons to pay in
--                           full, underpay (half), overpay (twice) or let it
--                           expire
--   POST /pay/invoice/KEY   action=full|half|double|expire: the same
--                           simulation as the control routes pay_invoice
--                           {share} and expire_invoice (the same events),
--                           then 303 back to the page
-- Plain HTML forms, no script; every value shown is escaped.  The page
-- names the sandbox: no one can mistake it for a real payment.
local invoices = require "emulator.merchant.invoices"

local M = {}

local function escape(v)
  return (tostring(v):gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ['"'] = "&quot;", ["'"] = "&#39;" }))
end

local ACTIONS = {
  { "full", "Pay in full" }, { "half", "Underpay (half)" }, { "double", "Overpay (twice)" },
  { "expire", "Let it expire" },
}

local function row(name, value, id)
  if value == nil then return "" end
  return ("<tr><th>%s</th><td id=\"%s\">%s</td></tr>\n"):format(name, id, escape(value))
end

local function page(status, inv, message)
  local out = { "<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\">",
    "<title>Calypso sandbox: pay invoice</title>",
    "<style>body{font-family:sans-serif;max-width:40em;margin:2em auto}th{text-align:left;",
    "padding-right:1em}button{margin:.3em}</style></head><body>\n",
    "<h1>Pay invoice <small>(calypso sandbox: no real payment)</small></h1>\n" }
  if message then out[#out + 1] = ("<p id=\"message\">%s</p>\n"):format(escape(message)) end
  if inv then
    out[#out + 1] = "<table>\n" .. row("Amount", inv.amount or "any", "amount")
      .. row("Currency", inv.currency, "currency") .. row("Address", inv.invoiceAddress, "address")
      .. row("State", inv.state, "state") .. row("Intervention", inv.interventionType, "intervention")
      .. row("Paid", inv.paid, "paid") .. row("Description", inv.description, "description")
      .. row("Expires", inv.expiration, "expiration") .. "</table>\n"
    if inv.state == "PENDING_PAYMENT" and inv.amount then
      out[#out + 1] = "<form method=\"post\">\n"
      for _, a in ipairs(ACTIONS) do
        out[#out + 1] = ("<button type=\"submit\" name=\"action\" value=\"%s\" id=\"%s\">%s</button>\n")
          :format(a[1], a[1], a[2])
      end
      out[#out + 1] = "</form>\n"
    end
    if inv.returnUrl and inv.state ~= "PENDING_PAYMENT" then
      out[#out + 1] = ("<p><a id=\"return\" href=\"%s\">Back to the shop</a></p>\n")
        :format(escape(inv.returnUrl))
    end
  end
  out[#out + 1] = "</body></html>\n"
  ngx.status = status
  ngx.header["Content-Type"] = "text/html; charset=utf-8"
  ngx.header["Content-Security-Policy"] = "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'"
  ngx.header["Cache-Control"] = "no-store"
  ngx.print(table.concat(out))
  return ngx.exit(status)
end

local function act(inv, action)
  if action == "expire" then return invoices.expire(inv.id) end
  if action == "full" or action == "half" or action == "double" then
    return invoices.pay(inv.id, nil, false, nil, action)
  end
  return nil, "no such action: " .. tostring(action)
end

function M.handle()
  local key = ngx.var.uri:match("^/pay/invoice/([%x%-]+)$")
  local inv = key and invoices.by_key(key)
  if not inv then return page(404, nil, "No invoice with this link.") end
  local method = ngx.req.get_method()
  if method == "GET" or method == "HEAD" then return page(200, inv) end
  if method ~= "POST" then return page(405, inv, "GET or POST only.") end
  ngx.req.read_body()
  local args = ngx.req.get_post_args(4) or {}
  local done, err = act(inv, args.action)
  if not done then return page(409, invoices.by_key(key), err) end
  return ngx.redirect(ngx.var.uri, ngx.HTTP_SEE_OTHER)
end

return M
