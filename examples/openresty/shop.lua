-- examples/openresty/shop.lua: a one-product shop, the way a buyer meets
-- Calypso.  GET / shows the product; POST /buy makes an order and a single
-- invoice for it (its externalId the order, its returnUrl the order's page)
-- and sends the buyer to the invoice's hosted payment page
-- (calypso.invoice_url: pay.calypso.finance, or the sandbox's page when
-- CALYPSO_PAY_URL names it); GET /orders/N shows the order as the webhooks
-- left it (webhooks.lua moves it on); GET /balance shows the account's
-- balances.  Orders live in the lua_shared_dict shop_orders: an example,
-- not a database.  `make shop` runs it against a sandbox.
local calypso = require "calypso"
local cjson = require "cjson.safe"
local handler = require "handler"

local M = {}

M.PRICE, M.CURRENCY = "10.5", "USDT_TRX"

local function escape(v)
  return (tostring(v):gsub("[&<>\"']", { ["&"] = "&amp;", ["<"] = "&lt;", [">"] = "&gt;",
    ['"'] = "&quot;", ["'"] = "&#39;" }))
end

local function html(status, title, body)
  ngx.status = status
  ngx.header["Content-Type"] = "text/html; charset=utf-8"
  ngx.header["Cache-Control"] = "no-store"
  ngx.print("<!DOCTYPE html>\n<html lang=\"en\"><head><meta charset=\"utf-8\"><title>", escape(title),
    "</title></head><body>\n<h1>", escape(title), "</h1>\n", body,
    "\n<p><a href=\"/\">Shop</a> · <a href=\"/balance\">Balance</a></p></body></html>\n")
  return ngx.exit(status)
end

--- The order numbered n, or nil.
function M.order(n)
  local text = ngx.shared.shop_orders:get("order:" .. tostring(n))
  return text and cjson.decode(text)
end

local function save(order)
  ngx.shared.shop_orders:set("order:" .. order.n, cjson.encode(order))
end

--- An event for the invoice whose idempotencyKey is key moves its order
-- on (called by webhooks.lua after it answered the delivery).  The order's
-- state follows what the events mean; each event's type is kept, in order.
function M.on_invoice_event(key, event)
  local n = key and ngx.shared.shop_orders:get("key:" .. tostring(key))
  local order = n and M.order(n)
  if not order then return false end
  local moves = { INVOICE_PAID = "paid", INVOICE_EXPIRED = "expired",
                  INVOICE_COMPLIANCE_DECLINED = "declined",
                  INVOICE_PENDING_INTERVENTION = "paid the wrong amount: waiting for an intervention" }
  order.state = moves[event.eventType] or order.state
  order.events[#order.events + 1] = event.eventType
  save(order) -- one worker, no yield between get and set: no lost update in this example
  return true
end

function M.index()
  return html(200, "Calypso example shop", ("<p>A sandbox T-shirt: <b id=\"price\">%s %s</b></p>\n"
    .. "<form method=\"post\" action=\"/buy\"><button id=\"buy\" type=\"submit\">Buy</button></form>")
    :format(escape(M.PRICE), escape(M.CURRENCY)))
end

function M.buy()
  if ngx.req.get_method() ~= "POST" then return html(405, "Buy", "<p>POST only.</p>") end
  local n = ngx.shared.shop_orders:incr("orders", 1, 0)
  local client = handler.client()
  local invoice, err = client.invoice.create_single{
    amount = M.PRICE, currency = M.CURRENCY, description = "Order " .. n, externalId = "order-" .. n,
    returnUrl = ngx.var.scheme .. "://" .. ngx.var.http_host .. "/orders/" .. n,
  }
  if not invoice then
    ngx.log(ngx.ERR, "order ", n, ": ", tostring(err))
    return html(502, "The payment could not be set up", ("<p>%s</p>%s"):format(escape(err.message),
      err.maybe_applied and "<p>The invoice may have been made: the order keeps its key.</p>" or ""))
  end
  save{ n = n, invoice = invoice.id, key = invoice.idempotencyKey, amount = M.PRICE, currency = M.CURRENCY,
        state = "waiting for payment", events = {} }
  ngx.shared.shop_orders:set("key:" .. invoice.idempotencyKey, n)
  return ngx.redirect(calypso.invoice_url(invoice, client), ngx.HTTP_SEE_OTHER)
end

function M.show_order()
  local n = tonumber(ngx.var.uri:match("^/orders/(%d+)$"))
  local order = n and M.order(n)
  if not order then return html(404, "No such order", "") end
  local events = {}
  for _, e in ipairs(order.events) do events[#events + 1] = "<li>" .. escape(e) .. "</li>" end
  return html(200, "Order " .. n, ("<p>%s %s: <b id=\"state\">%s</b></p>\n<ol id=\"events\">%s</ol>"):format(
    escape(order.amount), escape(order.currency), escape(order.state), table.concat(events)))
end

function M.balance()
  local account, err = handler.client().account.get()
  if not account then return html(502, "Balance", "<p>" .. escape(err.message) .. "</p>") end
  local rows = {}
  for _, b in ipairs(account.balances or {}) do
    rows[#rows + 1] = ("<tr><td>%s</td><td class=\"amount\">%s</td></tr>"):format(escape(b.currency),
      escape(b.amount))
  end
  return html(200, "Balance", "<table id=\"balances\">" .. table.concat(rows) .. "</table>")
end

return M
