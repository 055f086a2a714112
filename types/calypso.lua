---@meta calypso
-- types/calypso.lua: the types lua-language-server shows for calypso, written by
-- scripts/lua-types from the endpoint rows and the options; do not edit it.  Add this
-- folder to your workspace.library (README, "Types in the editor").

--- a filter: string_filter
---@class calypso.StringFilter
---@field contains? string # text: UTF-8, at most 1024 bytes, no control characters
---@field doesNotContain? string # text: UTF-8, at most 1024 bytes, no control characters
---@field equals? string # text: UTF-8, at most 1024 bytes, no control characters
---@field ["in"]? string[] # a list of text
---@field notEquals? string # text: UTF-8, at most 1024 bytes, no control characters
---@field notIn? string[] # a list of text
---@field specified? boolean # true or false

--- a filter: enum_filter
---@class calypso.EnumFilter
---@field equals? string # a code: 1 to 64 letters, digits, _ or -
---@field ["in"]? string[] # a list of code
---@field notEquals? string # a code: 1 to 64 letters, digits, _ or -
---@field notIn? string[] # a list of code
---@field specified? boolean # true or false

--- an object
---@class calypso.Currency.networkData
---@field frontName? string # text: UTF-8, at most 1024 bytes, no control characters
---@field type? string # text: UTF-8, at most 1024 bytes, no control characters
---@field [string] any # other fields pass through unchecked

--- the API's Currency object (more fields pass through)
---@class calypso.Currency
---@field active? boolean # true or false
---@field blockchainName? string # text: UTF-8, at most 1024 bytes, no control characters
---@field blockchainScale? integer # a whole number from 0 to 2147483647
---@field coinId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field contract? string # text: UTF-8, at most 1024 bytes, no control characters
---@field crypto? boolean # true or false
---@field enabled? boolean # true or false
---@field feeCurrencyName? string # a code: 1 to 64 letters, digits, _ or -
---@field garbageAmount? string|number # an amount: a decimal string such as "-10.10" (exact) or a number
---@field name? string # a code: 1 to 64 letters, digits, _ or -
---@field networkData? calypso.Currency.networkData # an object
---@field scale? integer # a whole number from 0 to 2147483647
---@field [string] any # other fields pass through unchecked

--- the options of calypso.new
---@class calypso.Options
---@field account string
---@field backoff_base? number
---@field backoff_max? number
---@field base_url? string
---@field cafile? string
---@field clock_offset_ms? integer
---@field connect_timeout? number
---@field deadline? number
---@field exact_numbers? boolean
---@field http2? boolean
---@field key string
---@field log_bodies? boolean
---@field log_level? "debug"|"info"|"warn"|"off"
---@field logger? fun(level: string, message: string)
---@field loop? "cqueues"|"luv"|"tarantool"|calypso.LoopAdapter
---@field max_connections? integer
---@field max_object_members? integer
---@field max_response_bytes? integer
---@field max_response_values? integer
---@field max_retries? integer
---@field on_request? fun(info: table)
---@field on_response? fun(info: table)
---@field on_retry? fun(info: table)
---@field paths? table
---@field pay_url? string
---@field proxy? string
---@field secret? string
---@field secret_env? string
---@field secret_file? string
---@field timeout? number

--- a call's options (the second argument of every endpoint)
---@class calypso.CallOptions
---@field account? string
---@field deadline? number
---@field idempotency_key? string
---@field max_retries? integer
---@field timeout? number

--- client:call's options
---@class calypso.GenericCallOptions
---@field account? string
---@field deadline? number
---@field empty? boolean
---@field envelope? string
---@field idempotency_key? string
---@field idempotent? boolean
---@field list? boolean
---@field max_retries? integer
---@field method? string
---@field timeout? number

--- what the driver needs from a host loop
---@class calypso.LoopAdapter
---@field wait fun(fd: integer, events: "r"|"w", timeout_s: number): true|nil, string?
---@field sleep fun(seconds: number)
---@field now fun(): number
---@field can_wait? (fun(): boolean, string?)

--- a failure: nil, err (tostring(err) shows message and hint)
---@class calypso.Error
---@field kind "validation"|"idempotency"|"network"|"tls"|"timeout"|"api"|"decode" # what failed
---@field message string # what happened
---@field status? integer # the HTTP status, when there was one
---@field code? string # Calypso's errorCode, such as "004"
---@field trace_id? string # Calypso's traceId
---@field field? string # the offending field (validation, idempotency)
---@field attempts integer # attempts made (0: refused before sending)
---@field retryable boolean # may the call be sent again
---@field maybe_applied boolean # may the server have acted on it
---@field request_sent? boolean # did the last attempt's request leave
---@field retry_after? number # seconds the server asked to wait
---@field date? number # the server's Date, as Unix seconds
---@field hint? string # what to check
---@field idempotency_key? string # the key a keyed create sent
---@field existing? table # the object a key already names (idempotency)
---@field cause? string # the failure in one word: dns, connect, tls, tls_clock, timeout, reset, closed...

--- a client.async request
---@class calypso.Request
---@field done fun(self: calypso.Request): boolean
---@field result fun(self: calypso.Request): table|true|nil, calypso.Error?
---@field wait fun(self: calypso.Request): table|true|nil, calypso.Error?

--- client.account
---@class calypso.group.account
---@field get fun(params?: table, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the account and its balances

--- client.async.account
---@class calypso.async.account
---@field get fun(params?: table, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the account and its balances

--- the crypto-to-fiat limits
---@class (exact) calypso.c2f.limit.params
---@field fiatCurrency? string|calypso.Currency # a currency code such as USDT_TRX, or a Currency object { name = "USDT_TRX", ... }
---@field type string # a code: 1 to 64 letters, digits, _ or - (in the path)

--- a crypto-to-fiat order
---@class (exact) calypso.c2f.order.params
---@field orderId string # a UUID

--- fix a crypto-to-fiat rate
---@class (exact) calypso.c2f.rate.params
---@field currency? string|calypso.Currency # a currency code such as USDT_TRX, or a Currency object { name = "USDT_TRX", ... }
---@field fiatCurrency? string|calypso.Currency # a currency code such as USDT_TRX, or a Currency object { name = "USDT_TRX", ... }
---@field type string # a code: 1 to 64 letters, digits, _ or - (in the path)

--- client.c2f
---@class calypso.group.c2f
---@field limit fun(params: calypso.c2f.limit.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the crypto-to-fiat limits
---@field order fun(params: calypso.c2f.order.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a crypto-to-fiat order
---@field rate fun(params: calypso.c2f.rate.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # fix a crypto-to-fiat rate

--- client.async.c2f
---@class calypso.async.c2f
---@field limit fun(params: calypso.c2f.limit.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the crypto-to-fiat limits
---@field order fun(params: calypso.c2f.order.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a crypto-to-fiat order
---@field rate fun(params: calypso.c2f.rate.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # fix a crypto-to-fiat rate

--- block a customer
---@class (exact) calypso.customer.block.params
---@field customerId string # a UUID

--- a customer, who gets a purse (deposit addresses) per currency
---@class (exact) calypso.customer.create.params
---@field description? string # text: UTF-8, at most 1024 bytes, no control characters
---@field email? string # an email address
---@field externalId? string # text: UTF-8, at most 1024 bytes, no control characters

--- unblock a customer
---@class (exact) calypso.customer.unblock.params
---@field customerId string # a UUID

--- change a customer
---@class (exact) calypso.customer.update.params
---@field description? string # text: UTF-8, at most 1024 bytes, no control characters
---@field email? string # an email address
---@field externalId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field id string # a UUID
--- at least one of: email, description, externalId

--- client.customer
---@class calypso.group.customer
---@field block fun(params: calypso.customer.block.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # block a customer
---@field create fun(params?: calypso.customer.create.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a customer, who gets a purse (deposit addresses) per currency
---@field unblock fun(params: calypso.customer.unblock.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # unblock a customer
---@field update fun(params: calypso.customer.update.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # change a customer

--- client.async.customer
---@class calypso.async.customer
---@field block fun(params: calypso.customer.block.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # block a customer
---@field create fun(params?: calypso.customer.create.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a customer, who gets a purse (deposit addresses) per currency
---@field unblock fun(params: calypso.customer.unblock.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # unblock a customer
---@field update fun(params: calypso.customer.update.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # change a customer

--- the average rate of a pair
---@class (exact) calypso.exchange.average_rate.params
---@field destinationCurrency? string # a currency code, such as USDT_TRX
---@field sourceCurrency? string # a currency code, such as USDT_TRX

--- an exchange (no idempotency key: never sent twice)
---@class (exact) calypso.exchange.create.params
---@field amount string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field destinationCurrency string # a currency code, such as USDT_TRX
---@field sourceCurrency string # a currency code, such as USDT_TRX

--- an exchange, by its (numeric) id
---@class (exact) calypso.exchange.get.params
---@field id integer # a whole number from 0 to 9007199254740991

--- the upper limit for a pair
---@class (exact) calypso.exchange.limit.params
---@field destinationCurrency? string # a currency code, such as USDT_TRX
---@field sourceCurrency? string # a currency code, such as USDT_TRX

--- what an exchange would give (direction: the schema requires it, the page's example and the TS client send none, and no value is shown)
---@class (exact) calypso.exchange.precalculate.params
---@field amount string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field destinationCurrency string # a currency code, such as USDT_TRX
---@field direction? string # a code: 1 to 64 letters, digits, _ or -
---@field sourceCurrency string # a currency code, such as USDT_TRX

--- client.exchange
---@class calypso.group.exchange
---@field average_rate fun(params?: calypso.exchange.average_rate.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the average rate of a pair
---@field create fun(params: calypso.exchange.create.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an exchange (no idempotency key: never sent twice)
---@field get fun(params: calypso.exchange.get.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an exchange, by its (numeric) id
---@field limit fun(params?: calypso.exchange.limit.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the upper limit for a pair
---@field pairs fun(params?: table, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the currency pairs that can be exchanged
---@field precalculate fun(params: calypso.exchange.precalculate.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # what an exchange would give (direction: the schema requires it, the page's example and the TS client send none, and no value is shown)

--- client.async.exchange
---@class calypso.async.exchange
---@field average_rate fun(params?: calypso.exchange.average_rate.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the average rate of a pair
---@field create fun(params: calypso.exchange.create.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an exchange (no idempotency key: never sent twice)
---@field get fun(params: calypso.exchange.get.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an exchange, by its (numeric) id
---@field limit fun(params?: calypso.exchange.limit.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the upper limit for a pair
---@field pairs fun(params?: table, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the currency pairs that can be exchanged
---@field precalculate fun(params: calypso.exchange.precalculate.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # what an exchange would give (direction: the schema requires it, the page's example and the TS client send none, and no value is shown)

--- the fiat payment methods for a currency and place
---@class (exact) calypso.fiat.method.params
---@field currency? string|calypso.Currency # a currency code such as USDT_TRX, or a Currency object { name = "USDT_TRX", ... }
---@field geoId? string # a UUID

--- a fiat order, by idempotency key
---@class (exact) calypso.fiat.order.params
---@field idempotencyKey string # text: UTF-8, at most 1024 bytes, no control characters

--- client.fiat
---@class calypso.group.fiat
---@field geo fun(params?: table, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the fiat places (the onramp guide sends {account, timestamp} only)
---@field method fun(params?: calypso.fiat.method.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the fiat payment methods for a currency and place
---@field order fun(params: calypso.fiat.order.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a fiat order, by idempotency key

--- client.async.fiat
---@class calypso.async.fiat
---@field geo fun(params?: table, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the fiat places (the onramp guide sends {account, timestamp} only)
---@field method fun(params?: calypso.fiat.method.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the fiat payment methods for a currency and place
---@field order fun(params: calypso.fiat.order.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a fiat order, by idempotency key

--- confirm an onramp order (payload undocumented: passed through)
---@class calypso.fiat_deposit.confirm_order.params
---@field [string] any # other fields pass through unchecked

--- an onramp order (payload undocumented: passed through)
---@class calypso.fiat_deposit.create_order.params
---@field externalAddress? string # text: UTF-8, at most 1024 bytes, no control characters
---@field [string] any # other fields pass through unchecked

--- the fiat currencies onramp takes (payload undocumented: passed through)
---@class calypso.fiat_deposit.fiat_currencies.params
---@field [string] any # other fields pass through unchecked

--- a key for the onramp widget
---@class (exact) calypso.fiat_deposit.generate_key.params
---@field externalAddress? string # text: UTF-8, at most 1024 bytes, no control characters
---@field idempotencyKey string # text: UTF-8, at most 1024 bytes, no control characters
---@field merchantExternalId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field returnUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid

--- the onramp methods
---@class (exact) calypso.fiat_deposit.method.params
---@field cryptoAmount? string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field currency? string # a currency code, such as USDT_TRX
---@field external? boolean # true or false
---@field fiatAmount? string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field geoId? string # a UUID
---@field itemId? string # a UUID

--- an onramp order
---@class (exact) calypso.fiat_deposit.order.params
---@field id string # a UUID

--- client.fiat_deposit
---@class calypso.group.fiat_deposit
---@field confirm_order fun(params?: calypso.fiat_deposit.confirm_order.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # confirm an onramp order (payload undocumented: passed through)
---@field create_order fun(params?: calypso.fiat_deposit.create_order.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an onramp order (payload undocumented: passed through)
---@field fiat_currencies fun(params?: calypso.fiat_deposit.fiat_currencies.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the fiat currencies onramp takes (payload undocumented: passed through)
---@field generate_key fun(params: calypso.fiat_deposit.generate_key.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a key for the onramp widget
---@field method fun(params?: calypso.fiat_deposit.method.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the onramp methods
---@field order fun(params: calypso.fiat_deposit.order.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an onramp order

--- client.async.fiat_deposit
---@class calypso.async.fiat_deposit
---@field confirm_order fun(params?: calypso.fiat_deposit.confirm_order.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # confirm an onramp order (payload undocumented: passed through)
---@field create_order fun(params?: calypso.fiat_deposit.create_order.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an onramp order (payload undocumented: passed through)
---@field fiat_currencies fun(params?: calypso.fiat_deposit.fiat_currencies.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the fiat currencies onramp takes (payload undocumented: passed through)
---@field generate_key fun(params: calypso.fiat_deposit.generate_key.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a key for the onramp widget
---@field method fun(params?: calypso.fiat_deposit.method.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the onramp methods
---@field order fun(params: calypso.fiat_deposit.order.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an onramp order

--- the offramp methods
---@class (exact) calypso.fiat_withdrawal.method.params
---@field cryptoAmount? string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field currency? string # a currency code, such as USDT_TRX
---@field external? boolean # true or false
---@field fiatAmount? string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field geoId? string # a UUID
---@field itemId? string # a UUID

--- an offramp order
---@class (exact) calypso.fiat_withdrawal.order.params
---@field id string # a UUID

--- client.fiat_withdrawal
---@class calypso.group.fiat_withdrawal
---@field geo fun(params?: table, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the offramp places
---@field method fun(params?: calypso.fiat_withdrawal.method.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the offramp methods
---@field order fun(params: calypso.fiat_withdrawal.order.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an offramp order

--- client.async.fiat_withdrawal
---@class calypso.async.fiat_withdrawal
---@field geo fun(params?: table, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the offramp places
---@field method fun(params?: calypso.fiat_withdrawal.method.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the offramp methods
---@field order fun(params: calypso.fiat_withdrawal.order.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an offramp order

--- a bound invoice: any amount at or above lowerBound (required fields unknown)
---@class (exact) calypso.invoice.create_bound.params
---@field currency? string # a currency code, such as USDT_TRX
---@field description? string # text: UTF-8, at most 1024 bytes, no control characters
---@field externalId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field fiatAvailable? boolean # true or false
---@field idempotencyKey? string # a UUID
---@field lowerBound? string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number

--- a single (limited) invoice
---@class (exact) calypso.invoice.create_single.params
---@field amount string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field currency string # a currency code, such as USDT_TRX
---@field description string # text: UTF-8, at most 1024 bytes, no control characters
---@field expiration? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field externalId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field idempotencyKey? string # a UUID
---@field logoUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid
---@field returnUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid
---@field supportUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid

--- a single invoice priced in fiat (the crypto amount follows the rate)
---@class (exact) calypso.invoice.create_single_fiat.params
---@field amount? string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field currency string # a currency code, such as USDT_TRX
---@field description string # text: UTF-8, at most 1024 bytes, no control characters
---@field fiatAmount string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field fiatCurrency string # a currency code, such as USDT_TRX
---@field idempotencyKey? string # a UUID

--- an unlimited invoice (any deposits)
---@class (exact) calypso.invoice.create_unlimited.params
---@field currency string # a currency code, such as USDT_TRX
---@field description string # text: UTF-8, at most 1024 bytes, no control characters
---@field externalId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field fiatAvailable? boolean # true or false
---@field idempotencyKey? string # a UUID
---@field logoUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid
---@field returnUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid
---@field supportUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid

--- an invoice, by id or by idempotency key
---@class (exact) calypso.invoice.get.params
---@field id? string|integer # an id: a string, or a whole number (sent as its digits)
---@field idempotencyKey? string # a UUID
--- at least one of: id, idempotencyKey

--- client.invoice
---@class calypso.group.invoice
---@field create_bound fun(params?: calypso.invoice.create_bound.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a bound invoice: any amount at or above lowerBound (required fields unknown)
---@field create_single fun(params: calypso.invoice.create_single.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a single (limited) invoice
---@field create_single_fiat fun(params: calypso.invoice.create_single_fiat.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a single invoice priced in fiat (the crypto amount follows the rate)
---@field create_unlimited fun(params: calypso.invoice.create_unlimited.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an unlimited invoice (any deposits)
---@field get fun(params?: calypso.invoice.get.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an invoice, by id or by idempotency key

--- client.async.invoice
---@class calypso.async.invoice
---@field create_bound fun(params?: calypso.invoice.create_bound.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a bound invoice: any amount at or above lowerBound (required fields unknown)
---@field create_single fun(params: calypso.invoice.create_single.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a single (limited) invoice
---@field create_single_fiat fun(params: calypso.invoice.create_single_fiat.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a single invoice priced in fiat (the crypto amount follows the rate)
---@field create_unlimited fun(params: calypso.invoice.create_unlimited.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an unlimited invoice (any deposits)
---@field get fun(params?: calypso.invoice.get.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an invoice, by id or by idempotency key

--- a single-fiat payment widget (docs/payment-widget-2's curl line; fields past these pass through; no read-back: the find's payload is undocumented)
---@class calypso.payment_widget.create_single_fiat.params
---@field cryptoCurrencies? (string|calypso.Currency)[] # a list of currency_ref
---@field description? string # text: UTF-8, at most 1024 bytes, no control characters
---@field externalId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field fiatAmount? string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field fiatCurrency? string # a currency code, such as USDT_TRX
---@field idempotencyKey? string # a UUID
---@field [string] any # other fields pass through unchecked

--- an unlimited linked payment widget (its key forms the widget link; the reference sends cryptoCurrencies as Currency objects, the migration page as codes: both go)
---@class calypso.payment_widget.create_unlimited_linked.params
---@field cryptoCurrencies? (string|calypso.Currency)[] # a list of currency_ref
---@field description? string # text: UTF-8, at most 1024 bytes, no control characters
---@field externalId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field idempotencyKey? string # a UUID
---@field logoUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid
---@field returnUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid
---@field supportUrl? string # an absolute URI: https://shop.example/paid, or an app's own such as myshop://paid
---@field [string] any # other fields pass through unchecked

--- a single-fiat payment widget (payload undocumented: passed through)
---@class calypso.payment_widget.find_single_fiat.params
---@field [string] any # other fields pass through unchecked

--- an unlimited linked widget
---@class (exact) calypso.payment_widget.find_unlimited_linked.params
---@field requestId string # a UUID

--- client.payment_widget
---@class calypso.group.payment_widget
---@field create_single_fiat fun(params?: calypso.payment_widget.create_single_fiat.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a single-fiat payment widget (docs/payment-widget-2's curl line; fields past these pass through; no read-back: the find's payload is undocumented)
---@field create_unlimited_linked fun(params?: calypso.payment_widget.create_unlimited_linked.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an unlimited linked payment widget (its key forms the widget link; the reference sends cryptoCurrencies as Currency objects, the migration page as codes: both go)
---@field find_single_fiat fun(params?: calypso.payment_widget.find_single_fiat.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a single-fiat payment widget (payload undocumented: passed through)
---@field find_unlimited_linked fun(params: calypso.payment_widget.find_unlimited_linked.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # an unlimited linked widget

--- client.async.payment_widget
---@class calypso.async.payment_widget
---@field create_single_fiat fun(params?: calypso.payment_widget.create_single_fiat.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a single-fiat payment widget (docs/payment-widget-2's curl line; fields past these pass through; no read-back: the find's payload is undocumented)
---@field create_unlimited_linked fun(params?: calypso.payment_widget.create_unlimited_linked.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an unlimited linked payment widget (its key forms the widget link; the reference sends cryptoCurrencies as Currency objects, the migration page as codes: both go)
---@field find_single_fiat fun(params?: calypso.payment_widget.find_single_fiat.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a single-fiat payment widget (payload undocumented: passed through)
---@field find_unlimited_linked fun(params: calypso.payment_widget.find_unlimited_linked.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # an unlimited linked widget

--- a payout to one address
---@class (exact) calypso.payout.create.params
---@field amount string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field comment? string # text: UTF-8, at most 1024 bytes, no control characters
---@field currency string # a currency code, such as USDT_TRX
---@field depositAddress string # text: UTF-8, at most 1024 bytes, no control characters
---@field executionDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field externalId? string # text: UTF-8, at most 1024 bytes, no control characters
---@field idempotencyKey? string # a UUID

--- a mass payout (the recipients' field is undocumented: other fields pass through unchecked)
---@class calypso.payout.create_mass.params
---@field comment? string # text: UTF-8, at most 1024 bytes, no control characters
---@field currency? string # a currency code, such as USDT_TRX
---@field idempotencyKey? string # a UUID
---@field name? string # text: UTF-8, at most 1024 bytes, no control characters
---@field [string] any # other fields pass through unchecked

--- a payout, by id or by idempotency key
---@class (exact) calypso.payout.get.params
---@field id? string|integer # an id: a string, or a whole number (sent as its digits)
---@field idempotencyKey? string # a UUID
--- at least one of: id, idempotencyKey

--- a mass payout (payload inferred: by id or by idempotency key)
---@class (exact) calypso.payout.get_mass.params
---@field id? string|integer # an id: a string, or a whole number (sent as its digits)
---@field idempotencyKey? string # a UUID
--- at least one of: id, idempotencyKey

--- a payout's withdrawal
---@class (exact) calypso.payout.withdrawal.params
---@field requestId string|integer # an id: a string, or a whole number (sent as its digits)

--- client.payout
---@class calypso.group.payout
---@field create fun(params: calypso.payout.create.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a payout to one address
---@field create_mass fun(params?: calypso.payout.create_mass.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a mass payout (the recipients' field is undocumented: other fields pass through unchecked)
---@field get fun(params?: calypso.payout.get.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a payout, by id or by idempotency key
---@field get_mass fun(params?: calypso.payout.get_mass.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a mass payout (payload inferred: by id or by idempotency key)
---@field withdrawal fun(params: calypso.payout.withdrawal.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a payout's withdrawal

--- client.async.payout
---@class calypso.async.payout
---@field create fun(params: calypso.payout.create.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a payout to one address
---@field create_mass fun(params?: calypso.payout.create_mass.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a mass payout (the recipients' field is undocumented: other fields pass through unchecked)
---@field get fun(params?: calypso.payout.get.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a payout, by id or by idempotency key
---@field get_mass fun(params?: calypso.payout.get_mass.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a mass payout (payload inferred: by id or by idempotency key)
---@field withdrawal fun(params: calypso.payout.withdrawal.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a payout's withdrawal

--- a customer's purse (deposit address) for one currency, made on first ask
---@class (exact) calypso.purse.get.params
---@field currency string # a currency code, such as USDT_TRX
---@field customerId string # a UUID

--- all of a customer's purses
---@class (exact) calypso.purse.get_all.params
---@field customerId string # a UUID

--- client.purse
---@class calypso.group.purse
---@field get fun(params: calypso.purse.get.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a customer's purse (deposit address) for one currency, made on first ask
---@field get_all fun(params: calypso.purse.get_all.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # all of a customer's purses

--- client.async.purse
---@class calypso.async.purse
---@field get fun(params: calypso.purse.get.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a customer's purse (deposit address) for one currency, made on first ask
---@field get_all fun(params: calypso.purse.get_all.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # all of a customer's purses

--- exchange rates between currencies
---@class (exact) calypso.rate.crypto.params
---@field fromCurrencies? (string|calypso.Currency)[] # a list of currency_ref
---@field toCurrencies? (string|calypso.Currency)[] # a list of currency_ref

--- fiat exchange rates
---@class (exact) calypso.rate.fiat.params
---@field from? (string|calypso.Currency)[] # a list of currency_ref
---@field to? (string|calypso.Currency)[] # a list of currency_ref

--- client.rate
---@class calypso.group.rate
---@field crypto fun(params?: calypso.rate.crypto.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # exchange rates between currencies
---@field fiat fun(params?: calypso.rate.fiat.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # fiat exchange rates

--- client.async.rate
---@class calypso.async.rate
---@field crypto fun(params?: calypso.rate.crypto.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # exchange rates between currencies
---@field fiat fun(params?: calypso.rate.fiat.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # fiat exchange rates

--- the invoice report for a period
---@class (exact) calypso.report.invoice.params
---@field blockchainList? string # text: UTF-8, at most 1024 bytes, no control characters
---@field firstDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field lastDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field zoneOffset? any # any JSON value (not checked here; the docs do not show its shape)

--- the payout report for a period
---@class (exact) calypso.report.payout.params
---@field blockchainList? string # text: UTF-8, at most 1024 bytes, no control characters
---@field firstDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field lastDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field zoneOffset? any # any JSON value (not checked here; the docs do not show its shape)

--- client.report
---@class calypso.group.report
---@field invoice fun(params?: calypso.report.invoice.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the invoice report for a period
---@field payout fun(params?: calypso.report.payout.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the payout report for a period

--- client.async.report
---@class calypso.async.report
---@field invoice fun(params?: calypso.report.invoice.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the invoice report for a period
---@field payout fun(params?: calypso.report.payout.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the payout report for a period

--- a settlement payout, by id or key
---@class (exact) calypso.settlement.payout.params
---@field id? string|integer # an id: a string, or a whole number (sent as its digits)
---@field idempotencyKey? string # a UUID
--- at least one of: id, idempotencyKey

--- a settlement payout's withdrawals (a list or an object: the docs cannot tell)
---@class (exact) calypso.settlement.payout_withdrawals.params
---@field requestId string|integer # an id: a string, or a whole number (sent as its digits)

--- the incoming settlement report
---@class (exact) calypso.settlement.report_incoming.params
---@field blockchainList? string # text: UTF-8, at most 1024 bytes, no control characters
---@field firstDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field lastDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field zoneOffset? any # any JSON value (not checked here; the docs do not show its shape)

--- the outgoing settlement report
---@class (exact) calypso.settlement.report_outgoing.params
---@field blockchainList? string # text: UTF-8, at most 1024 bytes, no control characters
---@field firstDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field lastDate? string # an ISO-8601 date-time such as 2025-07-05T22:31:09Z
---@field zoneOffset? any # any JSON value (not checked here; the docs do not show its shape)

--- a settlement wallet and its balances
---@class (exact) calypso.settlement.wallet.params
---@field address string # text: UTF-8, at most 1024 bytes, no control characters

--- a page of a settlement wallet's transactions
---@class (exact) calypso.settlement.wallet_transactions.params
---@field addressTo? string # text: UTF-8, at most 1024 bytes, no control characters
---@field currency? string # a currency code, such as USDT_TRX
---@field opcodes? string[] # a list of code
---@field pageNumber? integer # a whole number from 0 to 2147483647
---@field pageSize? integer # a whole number from 1 to 2147483647
---@field properties? string # text: UTF-8, at most 1024 bytes, no control characters
---@field sort? string # a code: 1 to 64 letters, digits, _ or -
---@field walletAddress? string # text: UTF-8, at most 1024 bytes, no control characters

--- client.settlement
---@class calypso.group.settlement
---@field payout fun(params?: calypso.settlement.payout.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a settlement payout, by id or key
---@field payout_withdrawals fun(params: calypso.settlement.payout_withdrawals.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a settlement payout's withdrawals (a list or an object: the docs cannot tell)
---@field report_incoming fun(params?: calypso.settlement.report_incoming.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the incoming settlement report
---@field report_outgoing fun(params?: calypso.settlement.report_outgoing.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the outgoing settlement report
---@field wallet fun(params: calypso.settlement.wallet.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a settlement wallet and its balances
---@field wallet_transactions fun(params?: calypso.settlement.wallet_transactions.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a page of a settlement wallet's transactions
---@field each_wallet_transaction fun(params?: calypso.settlement.wallet_transactions.params, opts?: table): fun(): table # every item of every page of settlement.wallet_transactions

--- client.async.settlement
---@class calypso.async.settlement
---@field payout fun(params?: calypso.settlement.payout.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a settlement payout, by id or key
---@field payout_withdrawals fun(params: calypso.settlement.payout_withdrawals.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a settlement payout's withdrawals (a list or an object: the docs cannot tell)
---@field report_incoming fun(params?: calypso.settlement.report_incoming.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the incoming settlement report
---@field report_outgoing fun(params?: calypso.settlement.report_outgoing.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the outgoing settlement report
---@field wallet fun(params: calypso.settlement.wallet.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a settlement wallet and its balances
---@field wallet_transactions fun(params?: calypso.settlement.wallet_transactions.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a page of a settlement wallet's transactions

--- a webhook subscription; the answer holds its publicKey and secretKey
---@class (exact) calypso.subscription.create.params
---@field notificationEventTypes? ("INVOICE_CREATE_INVOICE"|"INVOICE_CREATE_UNLIMITED_INVOICE"|"INVOICE_FUNDS_RECEIVED_FOR_INVOICE"|"INVOICE_TRANSLATION_TO_ACCOUNT_COMPLETED"|"INVOICE_PENDING_INTERVENTION"|"INVOICE_EXPIRED"|"INVOICE_PAID"|"INVOICE_MEMPOOL_FOUND"|"INVOICE_PENDING_COMPLIANCE"|"INVOICE_COMPLIANCE_DECLINED"|"PAYOUT_CHANGE_STATUS"|"PAYOUT_CONFIRMED"|"PAYOUT_VALIDATION_ERROR"|"PAYOUT_HASH_RECEIVED"|string)[] # a list of enum
---@field notificationServiceTypes? ("INVOICE"|"PAYOUT"|"RECURRENT"|"CUSTOMER_PURSE"|string)[] # a list of enum
---@field requestId? string # a UUID
---@field url string # an http(s) URL

--- delete a webhook subscription (true on success)
---@class (exact) calypso.subscription.delete.params
---@field requestId string # a UUID

--- client.subscription
---@class calypso.group.subscription
---@field create fun(params: calypso.subscription.create.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a webhook subscription; the answer holds its publicKey and secretKey
---@field delete fun(params: calypso.subscription.delete.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # delete a webhook subscription (true on success)
---@field list fun(params?: table, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the webhook subscriptions

--- client.async.subscription
---@class calypso.async.subscription
---@field create fun(params: calypso.subscription.create.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a webhook subscription; the answer holds its publicKey and secretKey
---@field delete fun(params: calypso.subscription.delete.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # delete a webhook subscription (true on success)
---@field list fun(params?: table, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the webhook subscriptions

--- an object
---@class calypso.tariff.extended_fee.params.items.item
---@field baseAmount string|number # an amount above zero: a decimal string such as "10.10" (exact) or a number
---@field currency string # a currency code, such as USDT_TRX
---@field feeType? "SERVICE"|"FIX"|"PERCENT"|string # one of SERVICE, FIX, PERCENT (others pass through)
---@field opType "INVOICE"|string # one of INVOICE (others pass through)
---@field [string] any # other fields pass through unchecked

--- the fees of operations (each item's other fields pass through unchecked)
---@class (exact) calypso.tariff.extended_fee.params
---@field items calypso.tariff.extended_fee.params.items.item[] # a list of object

--- client.tariff
---@class calypso.group.tariff
---@field extended_fee fun(params: calypso.tariff.extended_fee.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the fees of operations (each item's other fields pass through unchecked)

--- client.async.tariff
---@class calypso.async.tariff
---@field extended_fee fun(params: calypso.tariff.extended_fee.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the fees of operations (each item's other fields pass through unchecked)

--- a page of purse transactions, filtered
---@class (exact) calypso.transaction.find.params
---@field currencyFilter? calypso.StringFilter # a filter: string_filter
---@field customerId? string # a UUID
---@field pageNumber? integer # a whole number from 0 to 2147483647
---@field pageSize? integer # a whole number from 1 to 2147483647
---@field properties? string # text: UTF-8, at most 1024 bytes, no control characters
---@field sort? string # a code: 1 to 64 letters, digits, _ or -
---@field transactionStateFilter? calypso.EnumFilter # a filter: enum_filter

--- one purse transaction
---@class (exact) calypso.transaction.get.params
---@field transactionId string # a UUID

--- client.transaction
---@class calypso.group.transaction
---@field find fun(params?: calypso.transaction.find.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # a page of purse transactions, filtered
---@field each fun(params?: calypso.transaction.find.params, opts?: table): fun(): table # every item of every page of transaction.find
---@field get fun(params: calypso.transaction.get.params, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # one purse transaction

--- client.async.transaction
---@class calypso.async.transaction
---@field find fun(params?: calypso.transaction.find.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # a page of purse transactions, filtered
---@field get fun(params: calypso.transaction.get.params, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # one purse transaction

--- client.user
---@class calypso.group.user
---@field current fun(params?: table, opts?: calypso.CallOptions): table|true|nil, calypso.Error? # the API key's user, permissions and available accounts

--- client.async.user
---@class calypso.async.user
---@field current fun(params?: table, opts?: calypso.CallOptions): calypso.Request|nil, calypso.Error? # the API key's user, permissions and available accounts

--- client.async: the same calls, each returning a request
---@class calypso.Async
---@field account calypso.async.account
---@field c2f calypso.async.c2f
---@field customer calypso.async.customer
---@field exchange calypso.async.exchange
---@field fiat calypso.async.fiat
---@field fiat_deposit calypso.async.fiat_deposit
---@field fiat_withdrawal calypso.async.fiat_withdrawal
---@field invoice calypso.async.invoice
---@field payment_widget calypso.async.payment_widget
---@field payout calypso.async.payout
---@field purse calypso.async.purse
---@field rate calypso.async.rate
---@field report calypso.async.report
---@field settlement calypso.async.settlement
---@field subscription calypso.async.subscription
---@field tariff calypso.async.tariff
---@field transaction calypso.async.transaction
---@field user calypso.async.user
---@field call fun(path: string, payload?: table, opts?: calypso.GenericCallOptions): calypso.Request|nil, calypso.Error?

--- a client (calypso.new)
---@class calypso.Client
---@field account calypso.group.account
---@field c2f calypso.group.c2f
---@field customer calypso.group.customer
---@field exchange calypso.group.exchange
---@field fiat calypso.group.fiat
---@field fiat_deposit calypso.group.fiat_deposit
---@field fiat_withdrawal calypso.group.fiat_withdrawal
---@field invoice calypso.group.invoice
---@field payment_widget calypso.group.payment_widget
---@field payout calypso.group.payout
---@field purse calypso.group.purse
---@field rate calypso.group.rate
---@field report calypso.group.report
---@field settlement calypso.group.settlement
---@field subscription calypso.group.subscription
---@field tariff calypso.group.tariff
---@field transaction calypso.group.transaction
---@field user calypso.group.user
---@field async calypso.Async
---@field call fun(self: calypso.Client, path: string, payload?: table, opts?: calypso.GenericCallOptions): table|true|nil, calypso.Error?
---@field envelope fun(self: calypso.Client, payload: table, timestamp_ms?: integer): string, string
---@field invoice_url fun(self: calypso.Client, invoice: table|string): string
---@field poll fun(self: calypso.Client, timeout?: number): integer
---@field wait fun(self: calypso.Client, timeout?: number): integer
---@field fds fun(self: calypso.Client): integer[], number
---@field clock_offset fun(self: calypso.Client, ms?: number): number
---@field is_closed fun(self: calypso.Client): boolean
---@field close fun(self: calypso.Client)

--- calypso: the module (calypso.new makes clients; its groups use the default client).
---@class calypso.module
---@field account calypso.group.account
---@field c2f calypso.group.c2f
---@field customer calypso.group.customer
---@field exchange calypso.group.exchange
---@field fiat calypso.group.fiat
---@field fiat_deposit calypso.group.fiat_deposit
---@field fiat_withdrawal calypso.group.fiat_withdrawal
---@field invoice calypso.group.invoice
---@field payment_widget calypso.group.payment_widget
---@field payout calypso.group.payout
---@field purse calypso.group.purse
---@field rate calypso.group.rate
---@field report calypso.group.report
---@field settlement calypso.group.settlement
---@field subscription calypso.group.subscription
---@field tariff calypso.group.tariff
---@field transaction calypso.group.transaction
---@field user calypso.group.user
---@field new fun(opts: calypso.Options): calypso.Client
---@field default fun(): calypso.Client
---@field meta fun(result: table): { status: integer, attempts: integer, elapsed_ms: number, account: string?, trace_id: string?, idempotency_key: string?, read_back: boolean? }|nil
---@field uuid4 fun(): string
---@field uuid5 fun(namespace: string, name: string): string
---@field uuid_namespaces { DNS: string, URL: string, OID: string, X500: string }
---@field sign fun(secret: string, body: string): string
---@field invoice_url fun(invoice: table|string, client?: calypso.Client): string
---@field null lightuserdata
---@field array fun(t: table): table
---@field webhook table
---@field version string
---@type calypso.module
local calypso = {}
return calypso
