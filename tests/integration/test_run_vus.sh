# 500 VUs against a real crane registry and a real distribution (through
# each HTTP client): every VU
# finishes, results.json counts exactly the requests made, errors are
# classified, and the launched registry is gone afterwards.
source "$(dirname "$0")/lib.sh"

# the four registries through the default client (small requests on the
# built-in HTTP/1.1 client), and crane once more with libcurl for everything
for reg in "crane memory auto" "crane disk auto" "distribution memory auto" "distribution disk auto" \
           "crane memory libcurl"; do
  set -- $reg
  out="$WORK/$1-$2-$3"
  run_rb 0 run "$SCN/vus.lua" --registry "$1" --storage "$2" --http-client "$3" --out "$out" --quiet \
    --set vus=500 --set reqs=4
  r="$out/results.json"
  expect_eq "$reg http client" "$(json "$r" "r['tool']['http_client']")" "$3"
  expect_eq "$reg status" "$(json "$r" "r['status']")" ok
  expect_eq "$reg kind" "$(json "$r" "r['registry']['kind']")" "$1"
  expect_eq "$reg storage" "$(json "$r" "r['registry']['storage']")" "$2"
  expect_eq "$reg ping ops" "$(json "$r" "r['phases'][0]['ops']")" 2000
  expect_eq "$reg ping errors" "$(json "$r" "r['phases'][0]['errors']")" 0
  expect_eq "$reg by_op http" "$(json "$r" "r['phases'][0]['by_op']['http']['ops']")" 2000
  expect_eq "$reg counter" "$(json "$r" "r['metrics']['done']['count']")" 2000
  expect_eq "$reg 404 op" "$(json "$r" "r['phases'][1]['by_op']['manifest_get']['ops']")" 1
  expect_eq "$reg 404 class" "$(json "$r" "r['phases'][1]['errors_by_class']['4xx']")" 1
  # percentiles are ordered and positive
  expect_eq "$reg latency order" "$(json "$r" "(lambda l: 0 < l['min'] <= l['p50'] <= l['p90'] <= l['p99'] <= l['max'])(r['phases'][0]['latency_ms'])")" True
  [ -s "$out/registry.log" ] || fail "$reg: registry log is empty"
  expect_grep "$out/metrics.csv" '^0,ping,ops,2000'
  registry_gone "$r"
done
echo "test_run_vus: ok"
