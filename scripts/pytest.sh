#!/usr/bin/env bash
# Runs pytest with the arguments given. pytest exits 5 when it collected nothing: that is a failure,
# unless MINZHENG_ALLOW_EMPTY=1 says the empty selection was chosen on purpose.
set -u
rc=0
"$(dirname "$0")/../.venv/bin/pytest" -q -p no:cacheprovider --ds=minzheng.settings.test "$@" || rc=$?
if [ "$rc" -eq 5 ]; then
  echo "pytest: 没有收集到任何测试 (exit 5)"
  if [ "${MINZHENG_ALLOW_EMPTY:-0}" = "1" ]; then rc=0; fi
fi
exit "$rc"
