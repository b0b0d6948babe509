#!/usr/bin/env bash
# Installs the Debian packages the test suites drive for real: the AWS CLI and boto3, a PostgreSQL server, Chromium,
# openssl (certificate chains are verified with it) and iproute2 (a replica is partitioned in a network namespace),
# (the console's browser tests drive /usr/bin/chromium with playwright-core, which never downloads a browser).
# Safe to run again; does nothing when all are present. Needs root (or sudo) only when something is missing.
set -euo pipefail
missing=()
command -v aws >/dev/null 2>&1 || missing+=(awscli)
ls /usr/lib/postgresql/*/bin/initdb >/dev/null 2>&1 || missing+=(postgresql)
[ -x /usr/bin/chromium ] || missing+=(chromium)
python3 -c 'import boto3' >/dev/null 2>&1 || missing+=(python3-boto3)
command -v openssl >/dev/null 2>&1 || missing+=(openssl)
command -v ip >/dev/null 2>&1 || missing+=(iproute2)
if ((${#missing[@]})); then
  sudo_cmd=()
  [ "$(id -u)" = 0 ] || sudo_cmd=(sudo)
  echo "install-system-deps: installing ${missing[*]}"
  "${sudo_cmd[@]}" apt-get update -qq
  DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi
