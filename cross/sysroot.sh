#!/usr/bin/env bash
# Builds a Debian 12 (bookworm) sysroot for an ARM board from Debian's own packages: glibc, libgcc,
# libstdc++, the kernel headers and the C libraries segd links (libv4l2, libjpeg, libturbojpeg, libpng, zlib).
# It is what a Swift SDK for the board is made over (cross/README.md) and what cross/check-sysroot.sh
# links a C program against.
#
#   cross/sysroot.sh [arm64|armhf] [OUT]      (defaults: arm64, .cross/sysroot-ARCH)
#
# Prints OUT. The host's apt configuration is left alone: no `dpkg --add-architecture`, no package
# installed. A private apt state (lists, downloaded .debs) lives in .cross/apt-ARCH, and its sources are
# the Debian 12 entries of the host's own sources (/etc/apt/sources.list and sources.list.d), so the
# sysroot comes from the same mirror as the host's packages. On a host with no Debian 12 entry, set
# SEGD_DEBIAN_MIRROR to a Debian archive URI.
#
# Cached and idempotent: the package lists are refreshed once a day (SEGD_SYSROOT_REFRESH=1 forces it),
# a .deb is downloaded once, and OUT is rebuilt only when the resolved package set changed.
# Needs apt-get, dpkg-deb and realpath (any Debian or Ubuntu host); root is not needed.
set -euo pipefail

ROOT=$(cd "$(dirname "$0")/.." && pwd)
ARCH=${1:-arm64}
case "$ARCH" in
  arm64) TRIPLE=aarch64-linux-gnu ;;
  armhf) TRIPLE=arm-linux-gnueabihf ;;
  *) echo "usage: sysroot.sh [arm64|armhf] [OUT]" >&2; exit 2 ;;
esac
OUT=${2:-$ROOT/.cross/sysroot-$ARCH}
OUT=$(realpath -m "$OUT")
APTDIR=$ROOT/.cross/apt-$ARCH
CODENAME=bookworm
STAMP=.segd-sysroot

# The -dev packages a link of segd needs; apt adds their run-time libraries and dependencies.
# libgcc-12-dev carries crtbegin.o/libgcc.a, which clang (and so swiftc) looks for in the sysroot.
PACKAGES=(libc6-dev libgcc-12-dev libstdc++-12-dev linux-libc-dev
          libv4l-dev libjpeg62-turbo-dev libturbojpeg0-dev libpng-dev zlib1g-dev)

# host_sources: the host's Debian 12 apt entries as deb822 stanzas for ARCH, on stdout. Both the
# one-line format (*.list) and deb822 (*.sources) are read; only suites named bookworm* are kept, and
# Signed-By is carried over as it is (a key file or an inline key).
host_sources() {
  if [ -n "${SEGD_DEBIAN_MIRROR:-}" ]; then
    printf 'Types: deb\nURIs: %s\nSuites: %s %s-updates\nComponents: main\nSigned-By: %s\nArchitectures: %s\n' \
      "$SEGD_DEBIAN_MIRROR" "$CODENAME" "$CODENAME" /usr/share/keyrings/debian-archive-keyring.gpg "$ARCH"
    return
  fi
  local files=()
  [ -f /etc/apt/sources.list ] && files+=(/etc/apt/sources.list)
  files+=(/etc/apt/sources.list.d/*.list /etc/apt/sources.list.d/*.sources)
  local f
  for f in "${files[@]}"; do
    [ -f "$f" ] || continue
    case "$f" in
      *.sources) awk -v codename="$CODENAME" -v arch="$ARCH" -f - "$f" <<'AWK'
function keep_suites(list,    n, s, i, kept) {
  n = split(list, s, /[ \t]+/); kept = ""
  for (i = 1; i <= n; i++) if (s[i] ~ "^" codename "(-|$)") kept = kept " " s[i]
  return kept
}
function flush(    kept) {
  kept = keep_suites(suites)
  if (types ~ /(^|[ \t])deb([ \t]|$)/ && enabled != "no" && kept != "") {
    print "Types: deb"; print "URIs: " uris; print "Suites:" kept; print "Components: " comps
    if (signed != "") print signed
    print "Architectures: " arch; print ""
  }
  types = uris = suites = comps = signed = enabled = field = ""
}
/^#/ { next }
/^[ \t]*$/ { flush(); next }
/^[ \t]/ { if (field == "signed-by") signed = signed "\n" $0; next }
{
  field = tolower(substr($0, 1, index($0, ":") - 1)); value = substr($0, index($0, ":") + 1)
  gsub(/^[ \t]+|[ \t]+$/, "", value)
  if (field == "types") types = value
  else if (field == "uris") uris = value
  else if (field == "suites") suites = value
  else if (field == "components") comps = value
  else if (field == "enabled") enabled = tolower(value)
  else if (field == "signed-by") signed = "Signed-By: " value
}
END { flush() }
AWK
      ;;
      *) awk -v codename="$CODENAME" -v arch="$ARCH" '
$1 != "deb" { next }
{
  signed = ""; i = 2
  if ($2 ~ /^\[/) {  # options: only signed-by matters here, arch= is replaced by ARCH
    for (; i <= NF; i++) {
      o = $i; gsub(/[][]/, "", o)
      if (o ~ /^signed-by=/) signed = substr(o, 11)
      if ($i ~ /\]$/) { i++; break }
    }
  }
  uri = $i; suite = $(i + 1); comps = ""
  for (j = i + 2; j <= NF && $j !~ /^#/; j++) comps = comps " " $j
  if (suite !~ "^" codename "(-|$)") next
  print "Types: deb"; print "URIs: " uri; print "Suites: " suite; print "Components:" comps
  if (signed != "") print "Signed-By: " signed
  print "Architectures: " arch; print ""
}' "$f" ;;
    esac
  done
}

mkdir -p "$APTDIR"/{lists/partial,archives/partial,etc/sources.list.d,etc/preferences.d,debs}
: > "$APTDIR/status"  # nothing counts as installed: apt resolves the whole closure
host_sources > "$APTDIR/sources.new"
if ! grep -q '^URIs:' "$APTDIR/sources.new"; then
  echo "no Debian 12 ($CODENAME) entry in the host's apt sources; set SEGD_DEBIAN_MIRROR to a Debian archive URI" >&2
  exit 1
fi
SOURCES=$APTDIR/etc/sources.list.d/debian.sources
sources_changed=0
cmp -s "$APTDIR/sources.new" "$SOURCES" || { mv "$APTDIR/sources.new" "$SOURCES"; sources_changed=1; }
rm -f "$APTDIR/sources.new"

# Every path apt would read or write under /var or /etc points into APTDIR, and the architecture is
# the target's alone, so neither the host's dpkg database nor its package lists are touched.
# (/etc/apt/apt.conf.d is still read: a proxy configured there keeps working.)
APT=(apt-get -q
     -o Dir::State="$APTDIR" -o Dir::State::Lists="$APTDIR/lists" -o Dir::State::status="$APTDIR/status"
     -o Dir::Cache="$APTDIR" -o Dir::Cache::archives="$APTDIR/archives"
     -o Dir::Cache::pkgcache= -o Dir::Cache::srcpkgcache=
     -o Dir::Etc::sourcelist=/dev/null -o Dir::Etc::sourceparts="$APTDIR/etc/sources.list.d"
     -o Dir::Etc::preferences=/dev/null -o Dir::Etc::preferencesparts="$APTDIR/etc/preferences.d"
     -o APT::Architecture="$ARCH" -o APT::Architectures="$ARCH" -o Debug::NoLocking=1 -o Acquire::Retries=3)
# As root, apt downloads as the user _apt, who may not be able to write into the project's folder;
# what is downloaded is checked against the signed Release file either way.
[ "$(id -u)" = 0 ] && APT+=(-o APT::Sandbox::User=root)

# The stamp is touched only after an update that fetched every index, so a failed one (a mirror in
# mid-sync) is retried on the next run instead of resolving against partial lists.
UPDATED=$APTDIR/updated
if [ "$sources_changed" = 1 ] || [ "${SEGD_SYSROOT_REFRESH:-0}" = 1 ] ||
   [ -z "$(find "$UPDATED" -mmin -1440 -print 2>/dev/null)" ]; then
  rm -f "$UPDATED"
  nice "${APT[@]}" update >&2 ||
    { echo "apt-get update of the $ARCH lists failed (see above; a mirror in mid-sync fails like this, try again later)" >&2; exit 1; }
  touch "$UPDATED"
fi

# The closure of PACKAGES as `name=version`, exactly as apt would install it on an empty system.
mapfile -t MANIFEST < <("${APT[@]}" -s install --no-install-recommends "${PACKAGES[@]}" |
                        awk '/^Inst /{ v = $3; sub(/^\(/, "", v); print $2 "=" v }' | sort)
[ "${#MANIFEST[@]}" -gt 0 ] || { echo "apt resolved no packages for ${PACKAGES[*]}" >&2; exit 1; }

# deb_of NAME=VERSION: the cached .deb's path (apt-get download writes the epoch's ':' as %3a), or nothing.
deb_of() {
  local name=${1%%=*} version=${1#*=}
  compgen -G "$APTDIR/debs/${name}_${version//:/%3a}_*.deb" | head -n 1 || true
}
missing=()
for p in "${MANIFEST[@]}"; do [ -n "$(deb_of "$p")" ] || missing+=("$p"); done
if [ "${#missing[@]}" -gt 0 ]; then
  (cd "$APTDIR/debs" && nice "${APT[@]}" download "${missing[@]}" >&2)
fi
# Versions that the mirror has since replaced are of no further use.
keep=$(for p in "${MANIFEST[@]}"; do deb_of "$p"; done)
for f in "$APTDIR"/debs/*.deb; do grep -qxF "$f" <<<"$keep" || rm -f "$f"; done

if ! { [ -f "$OUT/$STAMP" ] && printf '%s\n' "${MANIFEST[@]}" | cmp -s - "$OUT/$STAMP"; }; then
  # Refuse to wipe a folder this script did not make.
  if [ -e "$OUT" ] && [ ! -f "$OUT/$STAMP" ] && [ -n "$(ls -A "$OUT")" ]; then
    echo "$OUT exists and is not a sysroot made by this script; not replacing it" >&2
    exit 1
  fi
  TMP=$OUT.tmp
  rm -rf "$TMP"
  mkdir -p "$TMP"
  for p in "${MANIFEST[@]}"; do nice dpkg-deb -x "$(deb_of "$p")" "$TMP"; done
  # Packages point some links at absolute paths (/lib/TRIPLE/libz.so.1, /usr/include/...): on the
  # build machine those would name the host's files. Relative links keep the sysroot self-contained
  # wherever it is moved. (Linker scripts such as libc.so keep their absolute paths: ld and lld
  # prefix those with --sysroot when the script lies inside it.)
  while IFS= read -r -d '' link; do
    target=$(readlink "$link")
    ln -sfn "$(realpath -ms --relative-to="$(dirname "$link")" "$TMP$target")" "$link"
  done < <(find "$TMP" -type l -lname '/*' -print0)
  printf '%s\n' "${MANIFEST[@]}" > "$TMP/$STAMP"
  rm -rf "$OUT"
  mv "$TMP" "$OUT"
fi

# What the daemon's build needs, for this triple; -e follows the links, so dangling ones fail too.
need=(usr/include/stdio.h usr/include/linux/videodev2.h usr/include/$TRIPLE/asm/ioctl.h
      usr/include/libv4l2.h usr/include/jpeglib.h usr/include/turbojpeg.h usr/include/png.h usr/include/zlib.h
      usr/lib/$TRIPLE/libc.so usr/lib/$TRIPLE/libm.so usr/lib/$TRIPLE/libv4l2.so usr/lib/$TRIPLE/libjpeg.so
      usr/lib/$TRIPLE/libturbojpeg.so usr/lib/$TRIPLE/libpng16.so usr/lib/$TRIPLE/libz.so
      usr/lib/$TRIPLE/crt1.o usr/lib/gcc/$TRIPLE/12/crtbegin.o usr/lib/gcc/$TRIPLE/12/libgcc.a
      usr/lib/gcc/$TRIPLE/12/libstdc++.so usr/include/c++/12/vector)
bad=0
for f in "${need[@]}"; do [ -e "$OUT/$f" ] || { echo "sysroot lacks $f" >&2; bad=1; }; done
dangling=$(find "$OUT" -xtype l -print)
[ -z "$dangling" ] || { echo "dangling links in the sysroot:" >&2; echo "$dangling" >&2; bad=1; }
[ "$bad" = 0 ] || exit 1
echo "$OUT"
