# bench/lib_docs.sh: how a bench script puts its figures into a doc. Source
# it, then
#   write_doc_section NAME FILE "$section"
# replaces what lies between <!-- NAME:start --> and <!-- NAME:end --> in
# FILE with "$section" (which must carry both markers itself), or appends
# it when the markers are not there yet. The file is replaced atomically.
write_doc_section() {
    local name=$1 doc=$2 section=$3
    [ -f "$doc" ] || { echo "write_doc_section: $doc is missing" >&2; return 1; }
    SECTION="$section" python3 - "$doc" "$name" <<'PY'
import os, re, sys
path, name = sys.argv[1], sys.argv[2]
text = open(path).read()
sec = os.environ["SECTION"]
pat = re.compile(r"<!-- %s:start -->.*?<!-- %s:end -->" % (re.escape(name), re.escape(name)), re.S)
text = pat.sub(lambda m: sec, text) if pat.search(text) else text.rstrip("\n") + "\n\n" + sec + "\n"
open(path + ".tmp", "w").write(text)
os.replace(path + ".tmp", path)
PY
    echo "wrote $doc" >&2
}
