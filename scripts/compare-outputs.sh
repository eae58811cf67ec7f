#!/usr/bin/env bash
# compare-outputs.sh OLD NEW [OUTDIR]
#
# Runs two symbolicate binaries side by side over every file of
# ../shared/corpus and over the demo, and reports every difference in stdout,
# stderr or exit status. It compares, per corpus file:
#   symbolicate FILE            (text)    with --caches DEMO --symbols corpus/macho
#   symbolicate --format json FILE        likewise
#   symbolicate decode FILE and decode --format json FILE
#   symbolicate imagemap --base64 FILE
# and, once each: the demo crash (text and JSON), a whole-corpus batch written
# to a directory (every output file compared), addrs on the demo crash, and
# dsc info and dsc lookup on a real cache.
# Messages on stderr are compared too, so intended wording changes show up as
# differences to read, not to ignore.
set -uo pipefail
old=$(realpath "$1"); new=$(realpath "$2")
out=${3:-$(mktemp -d)}
here=$(cd "$(dirname "$0")/.." && pwd)
corpus=${SYMBOLICATE_CORPUS:-$here/../shared/corpus}
demo=$out/demo
mkdir -p "$out/old" "$out/new"
rm -rf "$demo" && (cd "$here" && go run ./internal/demogen "$demo") >/dev/null || exit 1

n=0; diffs=0
run() { # name args...
  local name=$1; shift
  for side in old new; do
    local bin=$old; [ $side = new ] && bin=$new
    (cd "$out" && "$bin" "$@" >"$out/$side/$name.out" 2>"$out/$side/$name.err"; echo $? >"$out/$side/$name.rc")
    # The binaries' own paths never appear; temp paths are the same for both.
  done
  n=$((n+1))
  for ext in out err rc; do
    if ! cmp -s "$out/old/$name.$ext" "$out/new/$name.$ext"; then
      diffs=$((diffs+1)); echo "DIFF $name.$ext: symbolicate $*"
      diff "$out/old/$name.$ext" "$out/new/$name.$ext" | head -${DIFFLINES:-8}
    fi
  done
}

i=0
while IFS= read -r -d '' f; do
  i=$((i+1)); key=$(printf '%04d' $i)
  run "$key-text" "$f" --caches "$demo/cache" --symbols "$corpus/macho"
  run "$key-json" --format json "$f" --caches "$demo/cache" --symbols "$corpus/macho"
  run "$key-decode" decode "$f"
  run "$key-decodejson" decode --format json "$f"
  run "$key-imagemap" imagemap --base64 "$f"
done < <(find "$corpus" -type f -size -4M \( -name '*.ips' -o -name '*.crash' -o -name '*.json' -o -name '*.txt' \) -print0 | sort -z)

for side in old new; do
  bin=$old; [ $side = new ] && bin=$new
  rm -rf "$out/$side/batch"
  "$bin" "$corpus/ips" -o "$out/$side/batch/" --caches "$demo/cache" >/dev/null 2>"$out/$side/batch.err"; echo $? >"$out/$side/batch.rc"
done
n=$((n+1))
if ! diff -r "$out/old/batch" "$out/new/batch" >/dev/null || ! cmp -s "$out/old/batch.rc" "$out/new/batch.rc" || ! cmp -s "$out/old/batch.err" "$out/new/batch.err"; then
  diffs=$((diffs+1)); echo "DIFF batch of corpus/ips to a directory"
  diff -r "$out/old/batch" "$out/new/batch" | head -8; diff "$out/old/batch.err" "$out/new/batch.err" | head -8
fi
run demo-text "$demo"/*.ips --caches "$demo/cache"
run demo-json --format json "$demo"/*.ips --caches "$demo/cache"
run demo-imagemap imagemap --base64 "$demo"/*.ips
# Addresses: the first frames' addresses of the demo crash, and the same
# addresses unslid against the cache alone.
addrs=$("$old" "$demo"/*.ips --caches "$demo/cache" 2>/dev/null | grep -o '	 *0x1[0-9a-f]\{8\}' | tr -d ' \t' | head -16 | tr '\n' ' ')
[ -n "$addrs" ] || { echo "no addresses found in the demo output" >&2; exit 1; }
run demo-addrs addrs --images "$demo"/*.ips --caches "$demo/cache" $addrs
run demo-addrs-json addrs --format json --images "$demo"/*.ips --caches "$demo/cache" $addrs
run dsc-lookup dsc lookup "$corpus/macho/testbins/dyldcache/dyld_shared_cache_arm64e-macOS-objc" 0x180018a14 0x180021104 0x18206d1c4 0x180000000
run dsc-info dsc info --images "$corpus/macho/testbins/dyldcache/dyld_shared_cache_arm64e-macOS-objc"
echo "compared $n runs: $diffs differences (outputs kept in $out)"
