#!/bin/sh
# Renders a Redis ACL file from a template (deploy/redis/*.acl.template):
# joins the lines ending in "\", drops comment and blank lines, and replaces
# each {{password:VAR}} with "#" and the SHA-256 hash of the environment
# variable VAR, so the written file holds no password in clear. POSIX sh with
# awk and sha256sum: it runs in the redis:7-alpine image as well.
#
#   USER_SERVICE_REDIS_PASSWORD=... scripts/redis-acl.sh TEMPLATE OUTPUT
#
# A password missing, shorter than 16 characters or still the .env.example
# placeholder (change-me...) stops it with one line.
# OUTPUT is written with mode 0600 (give it to the redis user if needed).
set -eu

if [ "$#" -ne 2 ]; then
  echo "usage: $0 TEMPLATE OUTPUT" >&2
  exit 2
fi
template=$1
output=$2
[ -r "$template" ] || { echo "redis-acl: cannot read $template" >&2; exit 1; }

rules=$(awk '
  /^[[:space:]]*#/ { next }
  {
    sub(/[[:space:]]+$/, "")
    if ($0 ~ /\\$/) { sub(/\\$/, ""); buffer = buffer $0 " "; next }
    line = buffer $0
    buffer = ""
    gsub(/[[:space:]]+/, " ", line)
    gsub(/\( /, "(", line)
    gsub(/ \)/, ")", line)
    sub(/^ /, "", line)
    if (line != "") print line
  }
  END { if (buffer != "") { print "redis-acl: the last line ends with \\" > "/dev/stderr"; exit 1 } }
' "$template")

for variable in $(printf '%s\n' "$rules" | grep -o '{{password:[A-Za-z0-9_]*}}' | sed 's/{{password:\(.*\)}}/\1/' | sort -u); do
  eval "password=\${$variable-}"
  if [ "${#password}" -lt 16 ]; then
    echo "redis-acl: set $variable to a password of at least 16 characters (openssl rand -hex 32)" >&2
    exit 1
  fi
  case $password in
    change-me*)
      echo "redis-acl: $variable is the .env.example placeholder: generate one (openssl rand -hex 32)" >&2
      exit 1
      ;;
  esac
  hash=$(printf '%s' "$password" | sha256sum | cut -c1-64)
  rules=$(printf '%s\n' "$rules" | sed "s/{{password:$variable}}/#$hash/g")
done
if printf '%s\n' "$rules" | grep -q '{{'; then
  echo "redis-acl: $template has a placeholder other than {{password:VAR}}" >&2
  exit 1
fi

umask 077
temporary="$output.tmp.$$"
printf '%s\n' "$rules" > "$temporary"
mv "$temporary" "$output"
