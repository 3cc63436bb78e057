#!/usr/bin/env bash
# Installs the Debian tools the test suite drives as independent engines.
# Idempotent: does nothing when they are all present.
set -euo pipefail
need=()
command -v rapper >/dev/null 2>&1 || need+=(raptor2-utils)
command -v chromium >/dev/null 2>&1 || need+=(chromium)
command -v chromedriver >/dev/null 2>&1 || need+=(chromium-driver)
# HermiT (owlready2's reasoner, graph.owl tests) runs on Java.
command -v java >/dev/null 2>&1 || need+=(default-jre-headless)
# .ci/falkordb.sh compiles redis-server; the prebuilt falkordb.so links libssl3 and libgomp1.
command -v cc >/dev/null 2>&1 || need+=(gcc libc6-dev)
command -v make >/dev/null 2>&1 || need+=(make)
/sbin/ldconfig -p | grep "libgomp\.so\.1 " >/dev/null || need+=(libgomp1)
/sbin/ldconfig -p | grep "libssl\.so\.3 " >/dev/null || need+=(libssl3)
[ ${#need[@]} -eq 0 ] && exit 0
if [ "$(id -u)" -ne 0 ]; then SUDO=sudo; else SUDO=; fi
echo "installing system packages: ${need[*]}"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq "${need[@]}" >/dev/null
