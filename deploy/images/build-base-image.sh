#!/usr/bin/env bash
# Builds the offline base image of Sessionizer's container images as a `docker save` tarball, for Jib's
# `tar://` base: a jlink'd Java runtime of the build's own JDK, the shared libraries it links (glibc, zlib,
# libstdc++ ... copied from the build machine, with the Debian packages they came from listed in the image), a
# numeric non-root user, a world-writable /tmp (RocksDB and Netty unpack native code there) and
# /var/lib/sessionizer owned by that user (a Docker volume mounted there inherits its owner).
#
# No registry is needed, so it works where no base image can be pulled. The image runs on the build machine's
# CPU architecture and needs a Linux build machine; elsewhere, pass a registry base: -Dimage.base=<image>.
#
# Usage: build-base-image.sh OUTPUT.tar CONFIGURED_BASE JAVA_HOME MODULES
# Does nothing when CONFIGURED_BASE is not tar://OUTPUT.tar (a registry base was chosen), and nothing when
# OUTPUT.tar was built from the same inputs already.
set -euo pipefail

out="$1"
configured_base="$2"
java_home="$3"
modules="$4"

[ "$configured_base" = "tar://$out" ] || exit 0

uid=65532
script="${BASH_SOURCE[0]}"
inputs="$(sha256sum "$script" | cut -d' ' -f1) $java_home $modules $("$java_home/bin/java" -version 2>&1 | head -n 1)"
stamp="$out.inputs"
if [ -f "$out" ] && [ -f "$stamp" ] && [ "$(cat "$stamp")" = "$inputs" ]; then
  exit 0
fi

[ "$(uname -s)" = Linux ] || {
  echo "The offline base image is built from this machine's libraries and needs Linux;" \
    "use a registry base instead: -Dimage.base=eclipse-temurin:17-jre" >&2
  exit 1
}
case "$(uname -m)" in
  x86_64) arch=amd64 ;;
  aarch64) arch=arm64 ;;
  *) echo "No offline base image for $(uname -m); use -Dimage.base=<image>" >&2; exit 1 ;;
esac

work="$(mktemp -d)"
trap 'rm -rf "$work"' EXIT
root="$work/rootfs"
runtime="$root/opt/java/openjdk"
mkdir -p "$root"

# JDK 24+ may link from its own runtime image (JEP 493) and ship no jmods.
module_path=()
[ -d "$java_home/jmods" ] && module_path=(--module-path "$java_home/jmods")
"$java_home/bin/jlink" "${module_path[@]}" --add-modules "$modules" --output "$runtime" \
  --strip-debug --no-man-pages --no-header-files --compress=2 --generate-cds-archive

# Debian's JDK links its CA store and security files to /etc: the image gets their contents.
for f in "$runtime"/lib/security/* "$runtime"/conf/security/java.security; do
  if [ -L "$f" ]; then
    target="$(readlink -f "$f")"
    rm "$f"
    cp "$target" "$f"
  fi
done
if [ ! -f "$runtime/lib/security/cacerts" ] && [ -f "$java_home/lib/security/cacerts" ]; then
  cp -L "$java_home/lib/security/cacerts" "$runtime/lib/security/cacerts"
fi

# Every shared library the runtime's executables and libraries load, found by the dynamic loader itself; but not
# the X11, font, sound and image libraries of java.desktop's AWT, which a headless server never loads (java.desktop
# is in for java.beans).
libs="$work/libs"
: >"$libs"
while IFS= read -r -d '' elf; do
  if head -c 4 "$elf" | grep -q 'ELF'; then
    ldd "$elf" 2>/dev/null | awk '/=> \// { print $3 } /^\t\/[^ ]+ \(/ { print $1 }' >>"$libs" || true
  fi
done < <(find "$runtime" -type f \( -name '*.so' -o -path '*/bin/*' \) \
  -not -regex '.*/lib\(awt.*\|jawt\|fontmanager\|splashscreen\|jsound\|lcms\|javajpeg\|mlib_image\)\.so' -print0)
# Native code that Java libraries unpack at run time (RocksDB, Netty's epoll and BoringSSL, Snappy, Brotli) links
# glibc's compatibility libraries as well, which the JDK does not: the ones beside libc.so.6.
libc_dir="$(dirname "$(grep -m 1 '/libc\.so\.6$' "$libs")")"
for compat in libpthread.so.0 librt.so.1 libdl.so.2 libutil.so.1 libresolv.so.2 libanl.so.1; do
  [ -e "$libc_dir/$compat" ] && echo "$libc_dir/$compat" >>"$libs"
done
for lib in $(sort -u "$libs"); do
  case "$lib" in "$runtime"/*) continue ;; esac
  mkdir -p "$root$(dirname "$lib")"
  cp -L "$lib" "$root$lib"
done

# The UTF-8 locale of LANG=C.UTF-8, where the machine has it as a directory (Debian's libc-bin): without it the JVM
# falls back to ASCII for file names and its default charset.
if [ -d /usr/lib/locale/C.utf8 ]; then
  mkdir -p "$root/usr/lib/locale"
  cp -r /usr/lib/locale/C.utf8 "$root/usr/lib/locale/"
fi

mkdir -p "$root/etc" "$root/tmp" "$root/home/nonroot" "$root/var/lib/sessionizer" "$root/usr/share/doc/sessionizer-base"
chmod 1777 "$root/tmp"
cat >"$root/etc/passwd" <<EOF
root:x:0:0:root:/root:/sbin/nologin
nonroot:x:$uid:$uid:nonroot:/home/nonroot:/sbin/nologin
EOF
cat >"$root/etc/group" <<EOF
root:x:0:
nonroot:x:$uid:
EOF
{
  echo "Copied from the build machine by deploy/images/build-base-image.sh:"
  head -n 3 "$runtime/release"
  if command -v dpkg-query >/dev/null; then
    for lib in $(sort -u "$libs"); do
      case "$lib" in "$runtime"/*) continue ;; esac
      { dpkg -S "$lib" 2>/dev/null || dpkg -S "$(readlink -f "$lib")" 2>/dev/null || true; } | cut -d: -f1
    done | sort -u | xargs -r dpkg-query -W -f='${Package} ${Version}\n'
  fi
} >"$root/usr/share/doc/sessionizer-base/packages.txt"

# One reproducible layer: sorted, epoch times, numeric owners; the user's own directories appended with its id.
image="$work/image"
mkdir -p "$image"
tar_opts=(--format=posix --pax-option=exthdr.name=%d/PaxHeaders/%f,delete=atime,delete=ctime --mtime=@0
  --sort=name --numeric-owner)
tar "${tar_opts[@]}" --owner=0 --group=0 --exclude=./home/nonroot --exclude=./var/lib/sessionizer \
  -C "$root" -cf "$image/layer.tar" .
tar "${tar_opts[@]}" --owner="$uid" --group="$uid" -C "$root" -rf "$image/layer.tar" \
  ./home/nonroot ./var/lib/sessionizer
diff_id="sha256:$(sha256sum "$image/layer.tar" | cut -d' ' -f1)"

cat >"$image/config.json" <<EOF
{"architecture":"$arch","os":"linux","created":"1970-01-01T00:00:00Z",
 "config":{"User":"$uid:$uid","Env":["PATH=/opt/java/openjdk/bin:/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin",
  "JAVA_HOME=/opt/java/openjdk","LANG=C.UTF-8"]},
 "rootfs":{"type":"layers","diff_ids":["$diff_id"]},
 "history":[{"created":"1970-01-01T00:00:00Z","created_by":"deploy/images/build-base-image.sh"}]}
EOF
echo '[{"Config":"config.json","RepoTags":["sessionizer-base:local"],"Layers":["layer.tar"]}]' >"$image/manifest.json"

mkdir -p "$(dirname "$out")"
tar --mtime=@0 --owner=0 --group=0 --numeric-owner -C "$image" -cf "$out.tmp" manifest.json config.json layer.tar
mv "$out.tmp" "$out"
echo "$inputs" >"$stamp"
echo "Offline base image: $out ($(du -h "$out" | cut -f1), $arch, $(head -n 1 "$runtime/release"))"
