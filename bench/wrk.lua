-- bench/wrk.lua: wrk sends the same pre-signed create over and over.
wrk.method = "POST"
wrk.body = os.getenv("BENCH_BODY")
wrk.headers["Content-Type"] = "application/json"
wrk.headers["Accept"] = "application/json"
wrk.headers["Key"] = os.getenv("BENCH_KEY")
wrk.headers["Sign"] = os.getenv("BENCH_SIGN")
