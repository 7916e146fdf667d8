#!/bin/bash
# Container health probe that needs no package beyond bash (the .NET images have neither curl nor wget): one HTTP/1.0
# GET over bash's /dev/tcp to this container's own port. Exit 0 when the status matches STATUS (a glob, default 2??).
# Usage: http-probe PORT PATH [STATUS]
set -euo pipefail
port=${1:?usage: http-probe PORT PATH [STATUS]}
path=${2:?usage: http-probe PORT PATH [STATUS]}
expected=${3:-2??}
exec 3<>"/dev/tcp/127.0.0.1/${port}"
printf 'GET %s HTTP/1.0\r\nHost: localhost\r\nConnection: close\r\n\r\n' "$path" >&3
IFS=' ' read -r -t 5 _ status _ <&3
# shellcheck disable=SC2053 # the expected status is a glob on purpose
[[ $status == $expected ]]
